import type { Pod, PodStatus } from '@mk8s/api';
import { buildPod, startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusManager } from './status-manager.js';

let cluster: TestCluster;
beforeEach(async () => {
  cluster = await startTestCluster();
});
afterEach(async () => {
  await cluster.stop();
});

const running = (ready: boolean): PodStatus => ({
  phase: 'Running',
  podIP: '172.17.0.9',
  conditions: [
    { type: 'Ready', status: ready ? 'True' : 'False' },
    { type: 'ContainersReady', status: ready ? 'True' : 'False' },
  ],
});
const readyOf = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;

describe('StatusManager', () => {
  it("puts its view back when another writer changed the pod's status (the node lifecycle controller's MarkPodsNotReady)", async () => {
    const pods = cluster.client.pods.inNamespace('default');
    const created = await pods.create(buildPod('web', { nodeName: 'node-1' }));
    const m = new StatusManager({ client: cluster.client });
    expect(await m.setPodStatus(created, running(true))).toBe(true);
    const written = await pods.get('web');
    expect(readyOf(written)).toBe('True');
    // Nothing changed: no write, whether the caller holds the fresh object or the one from before the write.
    expect(await m.setPodStatus(written, running(true))).toBe(false);
    expect(await m.setPodStatus(created, running(true))).toBe(false);

    // The node lifecycle controller marks the pod not Ready while the node looked silent.
    await pods.patch('web', { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'NodeNotReady' }] } }, 'strategic', { status: true });
    const marked = await pods.get('web');
    expect(readyOf(marked)).toBe('False');
    // The kubelet's next sync (same view as before) writes it back.
    expect(await m.setPodStatus(marked, running(true))).toBe(true);
    expect(readyOf(await pods.get('web'))).toBe('True');
  });

  it('keeps conditions other writers own, and does not rewrite them on every sync', async () => {
    const pods = cluster.client.pods.inNamespace('default');
    await pods.create(buildPod('evictee', { nodeName: 'node-1' }));
    const m = new StatusManager({ client: cluster.client });
    await m.setPodStatus(await pods.get('evictee'), running(true));
    await pods.patch('evictee', { status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] } }, 'strategic', {
      status: true,
    });
    const withTarget = await pods.get('evictee');
    const rv = withTarget.metadata?.resourceVersion;
    expect(await m.setPodStatus(withTarget, running(true))).toBe(false);
    expect((await pods.get('evictee')).metadata?.resourceVersion).toBe(rv);
    expect(await m.setPodStatus(withTarget, running(false))).toBe(true);
    const after = await pods.get('evictee');
    expect(readyOf(after)).toBe('False');
    expect(after.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.status).toBe('True');
  });
});
