// The node lifecycle controller against a real API server. No kubelet runs
// here: the test plays it, renewing (or no longer renewing) the node's Lease
// and writing pod and node status itself.
import type { Lease, Node, Pod, Toleration } from '@mk8s/api';
import { microTime } from '@mk8s/api';
import type { Clientset } from '@mk8s/client';
import { buildNode, buildPod } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { controllerTestBed } from '../testing/controller-test-bed.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';
import { TAINT_UNREACHABLE } from './taints.js';

const WAIT = { timeout: 20_000, interval: 100 };

describe('NodeLifecycleController (integration)', () => {
  const bed = controllerTestBed();
  let client: Clientset;
  beforeEach(() => {
    client = bed.client;
  });
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  afterEach(() => {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
  });

  function start(): void {
    bed.start(({ client, factory }) => new NodeLifecycleController({ client, factory, nodeMonitorGracePeriodMs: 1_500, nodeMonitorPeriodMs: 200 }));
  }

  async function renewLease(name: string): Promise<void> {
    const leases = client.leases.inNamespace('kube-node-lease');
    const lease = await leases.get(name);
    await leases.update({ ...lease, spec: { ...lease.spec, renewTime: microTime(Date.now()) } });
  }

  function keepHeartbeating(name: string): void {
    heartbeat = setInterval(() => void renewLease(name).catch(() => {}), 200);
  }

  async function registerNode(name: string): Promise<void> {
    await client.nodes.create(buildNode(name));
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease' },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(Date.now()) },
    };
    await client.leases.inNamespace('kube-node-lease').create(lease);
  }

  async function runningPod(name: string, node: string, tolerations: Toleration[]): Promise<Pod> {
    const pod = buildPod(name, { nodeName: node, labels: { app: 'web' } });
    pod.spec!.tolerations = tolerations;
    const created = await client.pods.inNamespace('default').create(pod);
    return client.pods.inNamespace('default').updateStatus({
      ...created,
      status: { ...created.status, phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }

  const unreachableFor = (seconds?: number): Toleration[] => [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }];
  const readyOf = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');
  const getPod = (name: string) => client.pods.inNamespace('default').get(name);

  it('marks a silent node Unknown, taints it, marks its pods NotReady and evicts them by their tolerations', async () => {
    await registerNode('n1');
    const now = await runningPod('evict-now', 'n1', unreachableFor(0));
    const later = await runningPod('evict-later', 'n1', unreachableFor(3));
    await runningPod('stays', 'n1', unreachableFor(undefined));
    keepHeartbeating('n1');
    start();

    // While the lease is renewed nothing happens to the node.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(readyOf(await client.nodes.get('n1'))?.status).toBe('True');
    expect((await client.nodes.get('n1')).spec?.taints ?? []).toEqual([]);

    clearInterval(heartbeat);
    heartbeat = undefined;
    await vi.waitFor(async () => {
      const node = await client.nodes.get('n1');
      expect(readyOf(node)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      expect(node.spec?.taints).toContainEqual(expect.objectContaining({ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: expect.any(String) }));
    }, WAIT);

    await vi.waitFor(async () => {
      const p = await getPod('evict-now');
      expect(p.metadata?.uid).toBe(now.metadata?.uid);
      expect(p.metadata?.deletionTimestamp).toBeDefined();
    }, WAIT);
    await vi.waitFor(async () => {
      const s = await getPod('stays');
      expect(s.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NodeNotReady' });
    }, WAIT);
    await vi.waitFor(async () => expect((await getPod('evict-later')).metadata?.deletionTimestamp).toBeDefined(), WAIT);
    expect((await getPod('evict-later')).metadata?.uid).toBe(later.metadata?.uid);
    expect((await getPod('stays')).metadata?.deletionTimestamp).toBeUndefined();

    const events = await client.events.inNamespace('default').list();
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['TaintManagerEviction', 'NodeNotReady']));
  });

  it('removes the taints when the node comes back, and a restarted controller changes nothing converged', async () => {
    await registerNode('n2');
    start();
    await vi.waitFor(async () => expect((await client.nodes.get('n2')).spec?.taints?.map((t) => t.key)).toContain(TAINT_UNREACHABLE), WAIT);

    // The kubelet comes back: renews its lease and posts Ready=True.
    keepHeartbeating('n2');
    const node = await client.nodes.get('n2');
    const beat = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.nodes.updateStatus({
      ...node,
      status: { ...node.status, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: beat, lastTransitionTime: beat }] },
    });
    await vi.waitFor(async () => expect((await client.nodes.get('n2')).spec?.taints ?? []).toEqual([]), WAIT);

    // Restart: a fresh controller and caches over the converged node write nothing.
    const before = (await client.nodes.get('n2')).metadata?.resourceVersion;
    await bed.stopAll();
    start();
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await client.nodes.get('n2')).metadata?.resourceVersion).toBe(before);
  });
});
