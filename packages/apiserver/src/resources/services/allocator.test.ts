import { describe, expect, it } from 'vitest';
import { StatusError } from '../../errors.js';
import { IPAllocator, PortAllocator, ServiceAllocator, parseCIDR, prepareServiceUpdate } from './allocator.js';
import type { Obj } from '../../registry/strategy.js';

function svc(name: string, spec: Obj): Obj {
  return { kind: 'Service', apiVersion: 'v1', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP' }], ...spec } };
}

/** Runs one create through a transaction and commits it, as the registry does. */
function create(a: ServiceAllocator, obj: Obj): Obj {
  const tx = a.begin();
  tx.prepare(obj, undefined);
  tx.commit(obj);
  return obj;
}

function statusOf(f: () => unknown): { code: number; message: string; fields: string[] } {
  try {
    f();
  } catch (err) {
    if (err instanceof StatusError) {
      return { code: err.code, message: err.message, fields: (err.status.details?.causes ?? []).map((c) => c.field ?? '') };
    }
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('IPAllocator', () => {
  it('hands out host addresses of the range, never network, broadcast or the reserved .1', () => {
    const a = new IPAllocator('10.0.0.0/29'); // .0 network, .7 broadcast, .1 reserved
    const got = [a.allocateNext(), a.allocateNext(), a.allocateNext(), a.allocateNext(), a.allocateNext()];
    expect(got.sort()).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(() => a.allocateNext()).toThrow('range is full');
    a.allocate('10.0.0.1'); // the kubernetes Service may ask for it by name
    expect(() => a.allocate('10.0.0.1')).toThrow('provided IP is already allocated');
    expect(() => a.allocate('10.0.0.7')).toThrow('not in the valid range');
    expect(() => a.allocate('10.0.1.2')).toThrow('not in the valid range');
    a.release('10.0.0.4');
    expect(a.allocateNext()).toBe('10.0.0.4');
  });

  it('normalises the CIDR base and rejects bad ranges', () => {
    expect(parseCIDR('10.96.3.4/16')).toEqual({ base: (10 * 256 + 96) * 65536, prefix: 16, size: 65536 });
    expect(() => parseCIDR('10.96.0.0')).toThrow();
    expect(() => parseCIDR('fd00::/108')).toThrow();
  });
});

describe('PortAllocator', () => {
  it('allocates each port once and reports a full range', () => {
    const p = new PortAllocator('30000-30002');
    expect([p.allocateNext(), p.allocateNext()]).toEqual([30000, 30001]);
    expect(() => p.allocate(30001)).toThrow('provided port is already allocated');
    expect(() => p.allocate(29999)).toThrow('The range of valid ports is 30000-30002');
    p.allocate(30002);
    expect(() => p.allocateNext()).toThrow('range is full');
  });
});

describe('ServiceAllocator', () => {
  it('allocates a ClusterIP and NodePorts, honours requested values and rejects taken ones with 422', () => {
    const a = new ServiceAllocator({ serviceClusterIPRange: '10.96.0.0/24', serviceNodePortRange: '30000-30010' });
    const s1 = create(a, svc('a', { type: 'NodePort' }));
    const spec1 = s1['spec'] as Obj;
    expect(spec1['clusterIP']).toMatch(/^10\.96\.0\.\d+$/);
    expect(spec1['clusterIPs']).toEqual([spec1['clusterIP']]);
    expect((spec1['ports'] as Obj[])[0]!['nodePort']).toBe(30000);

    const taken = statusOf(() => create(a, svc('b', { clusterIP: spec1['clusterIP'] })));
    expect(taken.code).toBe(422);
    expect(taken.message).toContain('provided IP is already allocated');
    expect(taken.fields).toEqual(['spec.clusterIPs']);

    const outside = statusOf(() => create(a, svc('b', { clusterIP: '10.97.0.5' })));
    expect(outside.code).toBe(422);
    expect(outside.message).toContain('not in the valid range');

    const port = statusOf(() => create(a, svc('b', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30000 }] })));
    expect(port.code).toBe(422);
    expect(port.message).toContain('provided port is already allocated');
    expect(port.fields).toEqual(['spec.ports[0].nodePort']);
    // The failed creates left nothing taken.
    expect(a.ips.used).toBe(1);
    expect(a.nodePorts.used).toBe(1);

    const s2 = create(a, svc('c', { clusterIP: '10.96.0.200', type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP', nodePort: 30005 }] }));
    expect((s2['spec'] as Obj)['clusterIP']).toBe('10.96.0.200');
    expect(((s2['spec'] as Obj)['ports'] as Obj[])[0]!['nodePort']).toBe(30005);
  });

  it('allocates nothing for headless and ExternalName Services', () => {
    const a = new ServiceAllocator();
    const h = create(a, svc('h', { clusterIP: 'None' }));
    expect((h['spec'] as Obj)['clusterIPs']).toEqual(['None']);
    create(a, { metadata: { name: 'x' }, spec: { type: 'ExternalName', externalName: 'example.test' } });
    expect(a.ips.used).toBe(0);
  });

  it('answers 500 "range is full" when the range is exhausted', () => {
    const a = new ServiceAllocator({ serviceClusterIPRange: '10.96.0.0/30', serviceNodePortRange: '30000-30000' });
    create(a, svc('a', {})); // /30 holds one dynamic address (.2)
    const full = statusOf(() => create(a, svc('b', {})));
    expect(full).toMatchObject({ code: 500, message: 'Internal error occurred: failed to allocate a serviceIP: range is full' });
    const b = new ServiceAllocator({ serviceNodePortRange: '30000-30000' });
    create(b, svc('a', { type: 'NodePort' }));
    const fullPorts = statusOf(() => create(b, svc('b', { type: 'NodePort' })));
    expect(fullPorts).toMatchObject({ code: 500, message: 'Internal error occurred: failed to allocate a nodePort: range is full' });
    // The IP taken before the port failed went back.
    expect(b.ips.used).toBe(1);
  });

  it('rebuilds from stored Services so a restart hands out no duplicate', () => {
    const a = new ServiceAllocator({ serviceClusterIPRange: '10.96.0.0/29', serviceNodePortRange: '30000-30002' });
    const stored = [create(a, svc('a', { type: 'NodePort' })), create(a, svc('b', { type: 'NodePort' }))];
    const restarted = new ServiceAllocator({ serviceClusterIPRange: '10.96.0.0/29', serviceNodePortRange: '30000-30002' });
    restarted.rebuild(stored);
    const next = create(restarted, svc('c', { type: 'NodePort' }));
    const ips = [...stored, next].map((s) => (s['spec'] as Obj)['clusterIP']);
    const ports = [...stored, next].map((s) => ((s['spec'] as Obj)['ports'] as Obj[])[0]!['nodePort']);
    expect(new Set(ips).size).toBe(3);
    expect(new Set(ports).size).toBe(3);
  });

  it('never gives the same value to concurrent writes, and a failed write gives its values back', async () => {
    const a = new ServiceAllocator({ serviceClusterIPRange: '10.96.0.0/24', serviceNodePortRange: '30000-30100' });
    const writes = Array.from({ length: 50 }, async (_, i) => {
      const obj = svc(`s${i}`, { type: 'NodePort' });
      const tx = a.begin();
      tx.prepare(obj, undefined);
      await new Promise((r) => setTimeout(r, Math.random() * 5)); // the store write
      if (i % 5 === 0) {
        tx.revert();
        return undefined;
      }
      tx.commit(obj);
      return obj;
    });
    const done = (await Promise.all(writes)).filter((o): o is Obj => o !== undefined);
    const ips = done.map((s) => (s['spec'] as Obj)['clusterIP']);
    expect(new Set(ips).size).toBe(40);
    expect(a.ips.used).toBe(40);
    expect(a.nodePorts.used).toBe(40);
  });

  it('keeps values across updates that omit them, releases on type change and delete', () => {
    const a = new ServiceAllocator({ serviceNodePortRange: '30000-30010' });
    const old = create(a, svc('a', { type: 'NodePort' }));
    const oldSpec = old['spec'] as Obj;

    // kubectl apply without clusterIP and nodePort: both kept.
    const upd = svc('a', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] });
    prepareServiceUpdate(upd, old);
    let tx = a.begin();
    tx.prepare(upd, old);
    tx.commit(upd);
    expect((upd['spec'] as Obj)['clusterIP']).toBe(oldSpec['clusterIP']);
    expect(((upd['spec'] as Obj)['ports'] as Obj[])[0]!['nodePort']).toBe(30000);
    expect(a.nodePorts.used).toBe(1);

    // NodePort -> ClusterIP: the node port is dropped and released.
    const toClusterIP = svc('a', { type: 'ClusterIP', clusterIP: oldSpec['clusterIP'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30000 }] });
    prepareServiceUpdate(toClusterIP, upd);
    expect(((toClusterIP['spec'] as Obj)['ports'] as Obj[])[0]!['nodePort']).toBeUndefined();
    tx = a.begin();
    tx.prepare(toClusterIP, upd);
    tx.commit(toClusterIP);
    expect(a.nodePorts.used).toBe(0);
    expect(a.ips.used).toBe(1);

    a.release(toClusterIP);
    expect(a.ips.used).toBe(0);
  });

  it('a dry run shows values but keeps none', () => {
    const a = new ServiceAllocator();
    const obj = svc('a', { type: 'NodePort' });
    const tx = a.begin({ dryRun: true });
    tx.prepare(obj, undefined);
    tx.commit(obj);
    expect((obj['spec'] as Obj)['clusterIP']).toBeTruthy();
    expect(a.ips.used + a.nodePorts.used).toBe(0);
  });
});
