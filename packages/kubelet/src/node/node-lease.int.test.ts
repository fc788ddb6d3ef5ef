import { Clientset, FakeClock } from '@mk8s/client';
import { startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { detectNodeConfig } from './node-config.js';
import { NODE_LEASE_NAMESPACE, NodeLeaseController } from './node-lease.js';
import { registerNode } from './node-registration.js';
import { silentLogger, type Logger } from '@mk8s/client';

let cluster: TestCluster;
let clock: FakeClock;
beforeEach(async () => {
  cluster = await startTestCluster();
  clock = new FakeClock();
});
afterEach(async () => {
  await cluster.stop();
});

const leases = () => cluster.client.leases.inNamespace(NODE_LEASE_NAMESPACE);
const register = (name: string) => registerNode({ client: cluster.client, config: detectNodeConfig(name), readiness: { ready: true }, clock });

describe('NodeLeaseController', () => {
  it('creates the Lease held by the node, owned by the Node, and renews it forward', async () => {
    const node = await register('node-1');
    const c = new NodeLeaseController({ client: cluster.client, nodeName: 'node-1', clock });
    await c.renewOnce();
    const lease = await leases().get('node-1');
    expect(lease.spec).toMatchObject({ holderIdentity: 'node-1', leaseDurationSeconds: 10 });
    expect(lease.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: node.metadata?.uid }]);
    const first = lease.spec!.renewTime!;
    await clock.advance(2_000);
    await c.renewOnce();
    const second = (await leases().get('node-1')).spec!.renewTime!;
    expect(Date.parse(second)).toBeGreaterThan(Date.parse(first));
  });

  it('writes the Lease without an owner while the Node is missing and adds it later', async () => {
    const c = new NodeLeaseController({ client: cluster.client, nodeName: 'node-2', clock, leaseDurationSeconds: 40 });
    await c.renewOnce();
    expect((await leases().get('node-2')).metadata?.ownerReferences).toBeUndefined();
    const node = await register('node-2');
    await c.renewOnce();
    const lease = await leases().get('node-2');
    expect(lease.metadata?.ownerReferences?.[0]?.uid).toBe(node.metadata?.uid);
    expect(lease.spec?.leaseDurationSeconds).toBe(40);
  });

  it('survives a conflicting writer and a deleted Lease', async () => {
    await register('node-3');
    const c = new NodeLeaseController({ client: cluster.client, nodeName: 'node-3', clock });
    await c.renewOnce();
    const other = await leases().get('node-3');
    await leases().update({ ...other, spec: { ...other.spec, holderIdentity: 'someone-else' } });
    await clock.advance(2_000);
    const renewed = await c.renewOnce();
    expect(renewed.spec?.holderIdentity).toBe('node-3');
    await leases().delete('node-3');
    await clock.advance(2_000);
    await c.renewOnce();
    expect((await leases().get('node-3')).spec?.holderIdentity).toBe('node-3');
  });

  it('run renews every renewIntervalMs until aborted', async () => {
    await register('node-4');
    const c = new NodeLeaseController({ client: cluster.client, nodeName: 'node-4', clock, renewIntervalMs: 2_000 });
    const ac = new AbortController();
    const done = c.run(ac.signal);
    const times: string[] = [];
    for (let i = 0; i < 3; i++) {
      await vi.waitFor(() => expect(clock.waiting).toBe(1));
      times.push((await leases().get('node-4')).spec!.renewTime!);
      await clock.advance(2_000);
    }
    expect(new Set(times).size).toBe(3);
    expect([...times].sort()).toEqual(times);
    ac.abort();
    await done;
  });

  it('run backs off after failures and never stops', async () => {
    const dead = new Clientset({ server: 'http://127.0.0.1:1' });
    const waits: unknown[] = [];
    const log: Logger = { ...silentLogger, warn: (f) => void waits.push((f as Record<string, unknown>)['retryInMs']) };
    const c = new NodeLeaseController({ client: dead, nodeName: 'node-5', clock, log, initialBackoffMs: 200, maxBackoffMs: 800 });
    const ac = new AbortController();
    const done = c.run(ac.signal);
    for (let i = 0; i < 4; i++) {
      await vi.waitFor(() => expect(waits.length).toBe(i + 1));
      await vi.waitFor(() => expect(clock.waiting).toBe(1));
      await clock.advance(waits[i] as number);
    }
    expect(waits.slice(0, 4)).toEqual([200, 400, 800, 800]);
    ac.abort();
    await done;
    dead.close();
  });
});
