// The cloud controllers against a real API server in process, over a fake
// cloud (instances and zones the test sets) and the local provider's load
// balancers.
import type { Event, Node } from '@mk8s/api';
import { isNotFound, type Clientset } from '@mk8s/client';
import { buildNode, buildService, startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FINALIZER_LB_CLEANUP,
  LABEL_REGION,
  LABEL_ZONE,
  TAINT_SHUTDOWN,
  TAINT_UNINITIALIZED,
  type CloudProvider,
  type InstanceMetadata,
  type LoadBalancer,
} from './cloud.js';
import { CloudControllerManager } from './manager.js';
import { LocalCloudProvider } from './providers/local/index.js';

const WAIT = { timeout: 15_000, interval: 100 };

/** A cloud whose machines the test edits; load balancers from a local pool. */
class FakeCloud implements CloudProvider {
  readonly name = 'fake';
  readonly machines = new Map<string, 'running' | 'stopped' | 'gone'>();
  readonly lb: LocalCloudProvider;
  calls = 0;
  constructor(pool = '127.240.0.1-127.240.0.2') {
    this.lb = new LocalCloudProvider({ loadBalancerPool: pool });
  }
  async initialize(client: Clientset): Promise<void> {
    await this.lb.initialize(client);
  }
  instances() {
    return {
      instanceExists: async (n: Node) => this.machines.get(n.metadata!.name!) !== 'gone',
      instanceShutdown: async (n: Node) => this.machines.get(n.metadata!.name!) === 'stopped',
      instanceMetadata: async (n: Node): Promise<InstanceMetadata> => {
        this.calls++;
        return {
          providerID: `fake://${n.metadata!.name}`,
          addresses: [
            { type: 'InternalIP', address: '10.1.2.3' },
            { type: 'Hostname', address: n.metadata!.name! },
          ],
        };
      },
    };
  }
  zones() {
    return { zoneOf: async () => ({ zone: 'zone-1', region: 'region-1' }) };
  }
  loadBalancer(): LoadBalancer {
    return this.lb;
  }
}

describe('cloud controllers (integration)', () => {
  let cluster: TestCluster;
  let client: Clientset;
  const stops: AbortController[] = [];
  const runs: Promise<unknown>[] = [];
  beforeEach(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
  });
  afterEach(async () => {
    for (const s of stops.splice(0)) s.abort();
    await Promise.allSettled(runs.splice(0));
    await cluster.stop();
  });

  function start(cloud: CloudProvider, controllers?: string[]): AbortController {
    const stop = new AbortController();
    stops.push(stop);
    const m = new CloudControllerManager({
      client,
      cloud,
      controllers,
      settings: { nodeMonitorPeriodMs: 200, pendingRetryMs: 500 },
    });
    runs.push(m.run(stop.signal));
    return stop;
  }

  async function stopAll(): Promise<void> {
    for (const s of stops.splice(0)) s.abort();
    await Promise.allSettled(runs.splice(0));
  }

  const services = () => client.services.inNamespace('default');
  const ingressIP = async (name: string) => (await services().get(name)).status?.loadBalancer?.ingress?.[0]?.ip;
  const events = async (reason: string) => (await client.events.inNamespace('default').list()).items.filter((e: Event) => e.reason === reason);

  it('initializes a node registered with the uninitialized taint and leaves others alone', async () => {
    const cloud = new FakeCloud();
    const tainted = buildNode('n1');
    tainted.spec = {
      taints: [
        { key: TAINT_UNINITIALIZED, value: 'true', effect: 'NoSchedule' },
        { key: 'keep', effect: 'NoSchedule' },
      ],
    };
    await client.nodes.create(tainted);
    await client.nodes.create(buildNode('plain'));
    start(cloud);
    await vi.waitFor(async () => {
      const n = await client.nodes.get('n1');
      expect(n.spec?.taints).toEqual([{ key: 'keep', effect: 'NoSchedule' }]);
      expect(n.spec?.providerID).toBe('fake://n1');
      expect(n.metadata?.labels).toMatchObject({ [LABEL_ZONE]: 'zone-1', [LABEL_REGION]: 'region-1' });
      expect(n.status?.addresses).toContainEqual({ type: 'InternalIP', address: '10.1.2.3' });
    }, WAIT);
    const plain = await client.nodes.get('plain');
    expect(plain.spec?.providerID).toBeUndefined();
    expect(plain.metadata?.labels?.[LABEL_ZONE]).toBeUndefined();
  });

  it('taints a shut-down NotReady node, untaints it once Ready, and deletes a NotReady node whose machine is gone', async () => {
    const cloud = new FakeCloud();
    await client.nodes.create(buildNode('ready'));
    await client.nodes.create(buildNode('off', { ready: false }));
    await client.nodes.create(buildNode('gone', { ready: false }));
    cloud.machines.set('off', 'stopped');
    cloud.machines.set('ready', 'gone'); // Ready nodes are never asked about
    start(cloud);
    await vi.waitFor(async () => expect((await client.nodes.get('off')).spec?.taints?.map((t) => t.key)).toEqual([TAINT_SHUTDOWN]), WAIT);
    expect(await client.nodes.get('gone').then(() => 'there')).toBe('there');
    cloud.machines.set('gone', 'gone');
    await vi.waitFor(
      async () =>
        expect(
          await client.nodes.get('gone').then(
            () => 'there',
            (e: unknown) => (isNotFound(e) ? 'deleted' : String(e)),
          ),
        ).toBe('deleted'),
      WAIT,
    );
    expect((await events('DeletingNode')).map((e) => e.involvedObject.name)).toEqual(['gone']);

    // The machine starts again and the kubelet reports Ready: the taint goes.
    cloud.machines.set('off', 'running');
    const off = await client.nodes.get('off');
    off.status!.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }];
    await client.nodes.updateStatus(off);
    await vi.waitFor(async () => expect((await client.nodes.get('off')).spec?.taints ?? []).toEqual([]), WAIT);
    expect(await client.nodes.get('ready').then(() => 'there')).toBe('there');
  });

  it('gives LoadBalancer Services addresses, leaves one pending when the pool is exhausted, releases on delete and type change, survives a restart', async () => {
    const cloud = new FakeCloud('127.240.0.1-127.240.0.2');
    start(cloud, ['service-lb-controller']);
    await services().create(buildService('a', { type: 'LoadBalancer' }));
    await services().create(buildService('b', { type: 'LoadBalancer' }));
    await services().create(buildService('plain'));
    await vi.waitFor(async () => expect([await ingressIP('a'), await ingressIP('b')].sort()).toEqual(['127.240.0.1', '127.240.0.2']), WAIT);
    expect((await services().get('a')).metadata?.finalizers).toEqual([FINALIZER_LB_CLEANUP]);
    expect((await services().get('plain')).metadata?.finalizers).toBeUndefined();

    // Exhausted: c stays pending, with a Warning Event.
    await services().create(buildService('c', { type: 'LoadBalancer' }));
    await vi.waitFor(async () => {
      const warn = await events('SyncLoadBalancerFailed');
      expect(warn.map((e) => [e.type, e.involvedObject.name])).toContainEqual(['Warning', 'c']);
      expect(warn[0]?.message).toMatch(/no free address/);
    }, WAIT);
    expect(await ingressIP('c')).toBeUndefined();

    // a is deleted: the finalizer holds it until its address is released, then c gets that address.
    const aIP = await ingressIP('a');
    await services().delete('a');
    await vi.waitFor(
      async () =>
        expect(
          await services()
            .get('a')
            .then(
              () => 'there',
              (e: unknown) => (isNotFound(e) ? 'gone' : String(e)),
            ),
        ).toBe('gone'),
      WAIT,
    );
    await vi.waitFor(async () => expect(await ingressIP('c')).toBe(aIP), WAIT);

    // b turns into a ClusterIP Service: status cleared, finalizer removed, address free again.
    const b = await services().get('b');
    const bIP = b.status?.loadBalancer?.ingress?.[0]?.ip;
    b.spec = { ...b.spec, type: 'ClusterIP' };
    for (const p of b.spec.ports ?? []) delete p.nodePort;
    delete b.spec.allocateLoadBalancerNodePorts;
    delete b.spec.externalTrafficPolicy;
    await services().update(b);
    await vi.waitFor(async () => {
      const got = await services().get('b');
      expect(got.status?.loadBalancer?.ingress ?? []).toEqual([]);
      expect(got.metadata?.finalizers ?? []).toEqual([]);
    }, WAIT);

    // Restart with a fresh provider: c keeps its address; d gets b's old one.
    await stopAll();
    const restarted = new FakeCloud('127.240.0.1-127.240.0.2');
    await services().create(buildService('d', { type: 'LoadBalancer' }));
    start(restarted, ['service-lb-controller']);
    await vi.waitFor(async () => expect(await ingressIP('d')).toBe(bIP), WAIT);
    expect(await ingressIP('c')).toBe(aIP);
    const rv = (await services().get('c')).metadata?.resourceVersion;
    await new Promise((r) => setTimeout(r, 500));
    expect((await services().get('c')).metadata?.resourceVersion).toBe(rv);
  });
});
