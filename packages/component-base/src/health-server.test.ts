import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from './health-server.js';

describe('health server', () => {
  const servers: HealthServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('answers ok while checks pass, 500 with the failing check named otherwise', async () => {
    let synced = false;
    const s = await startHealthServer({
      port: 0,
      liveness: { ping: () => true },
      readiness: {
        'informer-sync': () => synced,
        store: async () => {
          throw new Error('closed');
        },
      },
    });
    servers.push(s);
    expect(await (await fetch(`${s.url}/healthz`)).text()).toBe('ok');
    const ready = await fetch(`${s.url}/readyz?verbose`);
    expect(ready.status).toBe(500);
    const text = await ready.text();
    expect(text).toContain('[-]informer-sync failed');
    expect(text).toContain('[-]store failed: closed');
    synced = true;
    expect((await fetch(`${s.url}/readyz`)).status).toBe(500);
  });

  it('serves the given registry on /metrics', async () => {
    const registry = new Registry();
    new Counter({ name: 'demo_total', help: 'demo', registers: [registry] }).inc(3);
    const s = await startHealthServer({ port: 0, registry });
    servers.push(s);
    expect(await (await fetch(`${s.url}/metrics`)).text()).toContain('demo_total 3');
  });
});
