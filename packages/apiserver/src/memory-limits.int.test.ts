// The API server's memory bounds over HTTP (docs/api-server.md, Memory
// limits): the watch cache window and the store's history stay under their
// byte budgets while a large object changes, a watch whose client does not
// read is closed (and counted) while a reading one keeps going, and
// timeoutSeconds past Node's timer range does not end a watch at once.
import net from 'node:net';
import { openMemoryStore } from '@mk8s/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { call, openWatch, startServer, type TestServer } from './testing/test-support.js';

type Obj = Record<string, any>;
const CMS = '/api/v1/namespaces/default/configmaps';
const MiB = 1024 * 1024;

/** A ConfigMap of about `size` bytes; `n` makes every version different. */
const configMap = (name: string, n: number, size = 1_000_000): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { blob: `${n}:`.padEnd(size, 'x') },
});

/** Sample values of a metric from /metrics, by label text (`{...}` or '' without labels). */
async function metric(s: TestServer, name: string): Promise<Map<string, number>> {
  const text = (await call(s.url, 'GET', '/metrics')).text;
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}
const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** A watch over a raw socket whose client never reads (until `resume`). */
function silentWatch(base: string, path: string) {
  const url = new URL(base);
  let closed = false;
  let received = 0;
  const socket = net.connect(Number(url.port), url.hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`));
  socket.pause();
  socket.on('data', (d: Buffer) => (received += d.length));
  socket.on('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  return {
    resume: () => socket.resume(),
    get closed() {
      return closed;
    },
    get received() {
      return received;
    },
    destroy: () => socket.destroy(),
  };
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('API server: memory limits', () => {
  let s: TestServer | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await s?.close();
    s = undefined;
  });

  it('keeps the watch cache window and the store history under their byte budgets while a 1 MB object changes', async () => {
    const store = await openMemoryStore({ maxHistoryBytes: 8 * MiB });
    s = await startServer({ store, watchCacheMaxBytes: 4 * MiB });
    const server = s;
    const created = await call<Obj>(server.url, 'POST', CMS, configMap('big', 0));
    expect(created.status).toBe(201);
    const first = Number(created.body.metadata.resourceVersion);
    for (let i = 1; i <= 30; i++) {
      const r = await call(server.url, 'PUT', `${CMS}/big`, configMap('big', i));
      expect(r.status).toBe(200);
    }
    await server.cache.fresh();

    const windowBytes = sum(await metric(server, 'apiserver_watch_cache_window_bytes'));
    expect(windowBytes).toBeGreaterThan(2 * MiB); // the window holds recent versions...
    expect(windowBytes).toBeLessThanOrEqual(4 * MiB); // ...within its budget
    expect(server.cache.stats().bytes).toBe(windowBytes);
    expect((await metric(server, 'apiserver_watch_cache_evictions_total')).get('{resource="configmaps",reason="bytes"}')).toBeGreaterThan(20);
    expect((await metric(server, 'apiserver_watch_cache_capacity_bytes')).get('')).toBe(4 * MiB);

    expect((await metric(server, 'apiserver_storage_history_bytes')).get('')).toBeLessThanOrEqual(8 * MiB);
    expect((await metric(server, 'apiserver_storage_history_limit_bytes')).get('')).toBe(8 * MiB);
    expect((await metric(server, 'apiserver_storage_history_budget_compactions_total')).get('')).toBeGreaterThan(0);

    // A watch from before both windows gets 410 Expired; a recent one still resumes.
    const old = openWatch(server.url, `${CMS}?watch=true&resourceVersion=${first}`);
    const [gone] = await old.waitFor(1);
    expect(gone).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    const current = Number((await call<Obj>(server.url, 'GET', `${CMS}/big`)).body.metadata.resourceVersion);
    const recent = openWatch(server.url, `${CMS}?watch=true&resourceVersion=${current - 2}`);
    cleanups.push(() => recent.close());
    const events = await recent.waitFor(2);
    expect(events.map((e) => e.object.data.blob.split(':')[0])).toEqual(['29', '30']);
  });

  it('closes a watch whose client does not read and counts it, while a reading watch keeps going', async () => {
    s = await startServer({ watchMaxBufferedBytes: 2 * MiB });
    const server = s;
    await call(server.url, 'POST', CMS, configMap('big', 0));
    const slow = silentWatch(server.url, `${CMS}?watch=true`);
    cleanups.push(() => slow.destroy());
    const reader = openWatch(server.url, `${CMS}?watch=true`);
    cleanups.push(() => reader.close());
    await reader.waitFor(1);
    await until(async () => (await metric(server, 'apiserver_registered_watchers')).get('{resource="configmaps"}') === 2);

    // Past what the kernel's socket buffers hold, the silent client's data piles up in the server until it is closed.
    const terminated = async (): Promise<number> =>
      (await metric(server, 'apiserver_terminated_watchers_total')).get('{resource="configmaps",reason="buffer_full"}') ?? 0;
    let updates = 0;
    while (updates < 80 && (await terminated()) === 0) await call(server.url, 'PUT', `${CMS}/big`, configMap('big', ++updates));
    expect(await terminated()).toBe(1);
    expect((await metric(server, 'apiserver_registered_watchers')).get('{resource="configmaps"}')).toBe(1);
    expect(sum(await metric(server, 'apiserver_watch_buffered_bytes'))).toBeLessThanOrEqual(2 * MiB);

    // The reading watch got every version and is still open.
    const events = await reader.waitFor(1 + updates);
    expect(events.map((e) => e.type)).toEqual(['ADDED', ...Array<string>(updates).fill('MODIFIED')]);
    expect(reader.ended).toBe(false);
    await call(server.url, 'PUT', `${CMS}/big`, configMap('big', 99, 1_000));
    expect((await reader.waitFor(2 + updates))[1 + updates]?.object.data.blob).toMatch(/^99:/);

    // The silent client, once it reads, finds its stream cut short: it would re-watch.
    slow.resume();
    await until(() => slow.closed);
    expect(slow.received).toBeLessThan(updates * 1_000_000);
  });

  it('lets a reading client resume from the store a replay larger than the per-watch limit', async () => {
    s = await startServer({ watchMaxBufferedBytes: 1 * MiB, watchCacheWindow: 2 });
    const server = s;
    const created = await call<Obj>(server.url, 'POST', CMS, configMap('big', 0, 300_000));
    for (let i = 1; i <= 20; i++) await call(server.url, 'PUT', `${CMS}/big`, configMap('big', i, 300_000));
    const w = openWatch(server.url, `${CMS}?watch=true&resourceVersion=${created.body.metadata.resourceVersion}`);
    cleanups.push(() => w.close());
    const events = await w.waitFor(20);
    expect(events.map((e) => e.object.data.blob.split(':')[0])).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(w.ended).toBe(false);
    expect(sum(await metric(server, 'apiserver_terminated_watchers_total'))).toBe(0);
  });

  it('keeps a watch with timeoutSeconds past the timer range open (clamped, not fired at once)', async () => {
    s = await startServer();
    const server = s;
    const edge = openWatch(server.url, `${CMS}?watch=true&timeoutSeconds=2147484`);
    const huge = openWatch(server.url, `${CMS}?watch=true&timeoutSeconds=9007199254740991`);
    cleanups.push(
      () => edge.close(),
      () => huge.close(),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(edge.status).toBe(200);
    expect(huge.status).toBe(200);
    expect(edge.ended).toBe(false);
    expect(huge.ended).toBe(false);
    await call(server.url, 'POST', CMS, configMap('after', 0, 10));
    expect((await edge.waitFor(1))[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'after' } } });
    expect((await huge.waitFor(1))[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'after' } } });
  });
});
