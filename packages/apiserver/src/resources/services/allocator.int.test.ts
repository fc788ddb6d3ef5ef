// Service ClusterIP/NodePort allocation through the real API server: the
// replies Kubernetes clients expect, restart without duplicates, concurrency.
import { afterEach, describe, expect, it } from 'vitest';
import { openMemoryStore, type Store } from '@mk8s/storage';
import { call, startServer, type TestServer } from '../../testing/test-support.js';

type Obj = Record<string, any>;
const SVCS = '/api/v1/namespaces/default/services';

function service(name: string, spec: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec } };
}

describe('API server: Service allocation', () => {
  const servers: TestServer[] = [];
  let store: Store | undefined;
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    await store?.close();
    store = undefined;
  });
  async function start(opts: { serviceClusterIPRange?: string; serviceNodePortRange?: string } = {}): Promise<TestServer> {
    store ??= await openMemoryStore();
    const s = await startServer({ ...opts, store, keepStore: true });
    servers.push(s);
    return s;
  }

  it('allocates ClusterIPs and NodePorts, honours requests, rejects conflicts and bad ports with 422', async () => {
    const s = await start({ serviceClusterIPRange: '10.100.0.0/24', serviceNodePortRange: '31000-31009' });
    const a = await call<Obj>(s.url, 'POST', SVCS, service('a', { type: 'NodePort' }));
    expect(a.status).toBe(201);
    expect(a.body.spec.clusterIP).toMatch(/^10\.100\.0\.\d+$/);
    expect(a.body.spec.clusterIPs).toEqual([a.body.spec.clusterIP]);
    expect(a.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(31000);

    const dupIP = await call<Obj>(s.url, 'POST', SVCS, service('b', { clusterIP: a.body.spec.clusterIP }));
    expect(dupIP.status).toBe(422);
    expect(dupIP.body.message).toContain('provided IP is already allocated');
    const outside = await call<Obj>(s.url, 'POST', SVCS, service('b', { clusterIP: '10.96.0.10' }));
    expect(outside.status).toBe(422);
    expect(outside.body.details.causes[0].field).toBe('spec.clusterIPs');
    const badIP = await call<Obj>(s.url, 'POST', SVCS, service('b', { clusterIP: '10.100.0.300' }));
    expect(badIP.status).toBe(422);
    const dupPort = await call<Obj>(s.url, 'POST', SVCS, service('b', { type: 'NodePort', ports: [{ port: 80, nodePort: a.body.spec.ports[0].nodePort }] }));
    expect(dupPort.status).toBe(422);
    expect(dupPort.body.message).toContain('provided port is already allocated');
    expect(dupPort.body.details.causes[0].field).toBe('spec.ports[0].nodePort');

    const badPorts = await call<Obj>(
      s.url,
      'POST',
      SVCS,
      service('b', {
        ports: [
          { name: 'x', port: 70000, protocol: 'SCTPX', targetPort: 'Bad_Name' },
          { name: 'x', port: 81 },
        ],
      }),
    );
    expect(badPorts.status).toBe(422);
    const fields = badPorts.body.details.causes.map((c: Obj) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.ports[0].port', 'spec.ports[0].protocol', 'spec.ports[0].targetPort', 'spec.ports[1].name']));

    const requested = await call<Obj>(
      s.url,
      'POST',
      SVCS,
      service('c', { clusterIP: '10.100.0.50', type: 'NodePort', ports: [{ port: 80, nodePort: 31005 }] }),
    );
    expect(requested.status).toBe(201);
    expect(requested.body.spec.clusterIP).toBe('10.100.0.50');
    expect(requested.body.spec.ports[0].nodePort).toBe(31005);

    const headless = await call<Obj>(s.url, 'POST', SVCS, service('h', { clusterIP: 'None' }));
    expect(headless.status).toBe(201);
    expect(headless.body.spec.clusterIPs).toEqual(['None']);
  });

  it('keeps the ClusterIP immutable, keeps values an update omits, and releases on type change and delete', async () => {
    const s = await start({ serviceNodePortRange: '30000-30000' });
    const a = (await call<Obj>(s.url, 'POST', SVCS, service('a', { type: 'NodePort' }))).body;
    const change = await call<Obj>(s.url, 'PUT', `${SVCS}/a`, { ...a, spec: { ...a.spec, clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.99'] } });
    expect(change.status).toBe(422);
    expect(change.body.message).toContain('may not change once set');

    // An update without clusterIP/nodePort (what `kubectl apply` sends) keeps both.
    const omitted = await call<Obj>(s.url, 'PUT', `${SVCS}/a`, service('a', { type: 'NodePort' }));
    expect(omitted.status).toBe(200);
    expect(omitted.body.spec.clusterIP).toBe(a.spec.clusterIP);
    expect(omitted.body.spec.ports[0].nodePort).toBe(30000);

    // The one node port is taken; turning "a" into ClusterIP frees it.
    expect((await call<Obj>(s.url, 'POST', SVCS, service('b', { type: 'NodePort' }))).status).toBe(500);
    const toClusterIP = await call<Obj>(s.url, 'PATCH', `${SVCS}/a`, { spec: { type: 'ClusterIP' } }, { contentType: 'application/merge-patch+json' });
    expect(toClusterIP.status).toBe(200);
    expect(toClusterIP.body.spec.ports[0].nodePort).toBeUndefined();
    const b = await call<Obj>(s.url, 'POST', SVCS, service('b', { type: 'NodePort' }));
    expect(b.status).toBe(201);
    expect(b.body.spec.ports[0].nodePort).toBe(30000);

    // Deleting "a" frees its IP for a request by name.
    expect((await call(s.url, 'DELETE', `${SVCS}/a`)).status).toBe(200);
    const reuse = await call<Obj>(s.url, 'POST', SVCS, service('c', { clusterIP: a.spec.clusterIP }));
    expect(reuse.status).toBe(201);
  });

  it('concurrent creates never share an IP or port, and a restart on the same store continues without duplicates', async () => {
    const s = await start({ serviceClusterIPRange: '10.100.0.0/26', serviceNodePortRange: '30000-30039' });
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => call<Obj>(s.url, 'POST', SVCS, service(`s${i}`, { type: 'NodePort' }))));
    expect(created.map((r) => r.status)).toEqual(Array(20).fill(201));
    await s.close();
    servers.splice(0);

    const again = await start({ serviceClusterIPRange: '10.100.0.0/26', serviceNodePortRange: '30000-30039' });
    const more = await Promise.all(Array.from({ length: 20 }, (_, i) => call<Obj>(again.url, 'POST', SVCS, service(`t${i}`, { type: 'NodePort' }))));
    expect(more.map((r) => r.status)).toEqual(Array(20).fill(201));
    const list = (await call<Obj>(again.url, 'GET', SVCS)).body.items as Obj[];
    expect(list).toHaveLength(40);
    expect(new Set(list.map((x) => x.spec.clusterIP)).size).toBe(40);
    expect(new Set(list.map((x) => x.spec.ports[0].nodePort)).size).toBe(40);
    // The port range is now full.
    const full = await call<Obj>(again.url, 'POST', SVCS, service('u', { type: 'NodePort' }));
    expect(full.status).toBe(500);
    expect(full.body.message).toContain('range is full');
  });
});
