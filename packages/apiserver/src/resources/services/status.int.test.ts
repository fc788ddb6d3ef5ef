// What Kubernetes always shows of a Service's status: `{"loadBalancer":{}}`
// (ServiceStatus and LoadBalancerStatus are Go structs, never left out), on
// create, read, list, updates of the Service and of its /status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openWatch, startServer, type TestServer } from '../../testing/test-support.js';

type Obj = Record<string, any>;
const SVCS = '/api/v1/namespaces/default/services';

function service(name: string, spec: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

describe('API server: Service status as Kubernetes shows it', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('a created Service comes back, reads, lists and watches with status.loadBalancer {}', async () => {
    const created = await call<Obj>(s.url, 'POST', SVCS, { ...service('web'), status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } } });
    expect(created.status).toBe(201);
    expect(created.body.status).toEqual({ loadBalancer: {} });
    expect(created.text).toContain('"status":{"loadBalancer":{}}');
    const lb = await call<Obj>(s.url, 'POST', SVCS, service('lb', { type: 'LoadBalancer' }));
    expect(lb.body.status).toEqual({ loadBalancer: {} });

    expect((await call<Obj>(s.url, 'GET', `${SVCS}/web`)).body.status).toEqual({ loadBalancer: {} });
    const list = await call<Obj>(s.url, 'GET', SVCS);
    for (const item of list.body.items as Obj[]) expect(item.status, item.metadata.name).toEqual({ loadBalancer: {} });
    const w = openWatch(s.url, `${SVCS}?watch=true&timeoutSeconds=1`);
    const events = await w.waitFor(2);
    for (const e of events) expect(e.object.status).toEqual({ loadBalancer: {} });
    w.close();
  });

  it('keeps it through updates of the Service and of its status', async () => {
    const cur = (await call<Obj>(s.url, 'GET', `${SVCS}/lb`)).body;
    const updated = await call<Obj>(s.url, 'PUT', `${SVCS}/lb`, { ...cur, metadata: { ...cur.metadata, labels: { a: 'b' } }, status: undefined });
    expect(updated.status).toBe(200);
    expect(updated.body.status).toEqual({ loadBalancer: {} });

    const shown = await call<Obj>(s.url, 'PUT', `${SVCS}/lb/status`, { ...updated.body, status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } } });
    expect(shown.status).toBe(200);
    expect(shown.body.status).toEqual({ loadBalancer: { ingress: [{ ip: '10.0.0.9', ipMode: 'VIP' }] } });

    const cleared = await call<Obj>(s.url, 'PUT', `${SVCS}/lb/status`, { ...shown.body, status: {} });
    expect(cleared.status).toBe(200);
    expect(cleared.body.status).toEqual({ loadBalancer: {} });
    const patched = await call<Obj>(s.url, 'PATCH', `${SVCS}/lb/status`, { status: null }, { contentType: 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toEqual({ loadBalancer: {} });
  });
});
