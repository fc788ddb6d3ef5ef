import { Clientset, FakeClock } from '@mk8s/client';
import { startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { detectNodeConfig, type NodeConfig } from './node-config.js';
import { registerNode } from './node-registration.js';
import { silentLogger, type Logger } from '@mk8s/client';

let cluster: TestCluster;
beforeEach(async () => {
  cluster = await startTestCluster();
});
afterEach(async () => {
  await cluster.stop();
});

function config(name: string, over: Partial<NodeConfig> = {}): NodeConfig {
  return {
    ...detectNodeConfig(name, {
      capacity: { cpu: '2', memory: '2Gi', pods: '20' },
      kubeletPort: 10301,
      nodeInfo: { containerRuntimeVersion: 'mk8s-fake://0.1.0' },
    }),
    ...over,
  };
}

function recordingLog(): Logger & { warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  return { ...silentLogger, warnings, warn: (f) => void warnings.push(f as Record<string, unknown>) };
}

describe('registerNode', () => {
  it('creates the Node with default labels, configured taints, capacity, daemon endpoint and conditions', async () => {
    const clock = new FakeClock();
    const node = await registerNode({
      client: cluster.client,
      config: config('node-1', { labels: { 'node-role.kubernetes.io/worker': '' }, taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }),
      readiness: { ready: true },
      clock,
    });
    const got = await cluster.client.nodes.get('node-1');
    expect(got.metadata?.uid).toBe(node.metadata?.uid);
    expect(got.metadata?.labels).toMatchObject({
      'kubernetes.io/hostname': 'node-1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': expect.any(String),
      'beta.kubernetes.io/os': 'linux',
      'node-role.kubernetes.io/worker': '',
    });
    expect(got.spec?.taints).toEqual([{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]);
    expect(got.status?.capacity).toEqual({ cpu: '2', memory: '2Gi', pods: '20' });
    expect(got.status?.allocatable).toEqual({ cpu: '2', memory: '2Gi', pods: '20' });
    expect(got.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10301);
    expect(got.status?.nodeInfo?.kubeletVersion).toBe('v1.32.0-mk8s');
    expect(got.status?.addresses?.map((a) => a.type)).toEqual(['InternalIP', 'Hostname']);
    expect(got.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
  });

  it('without a readiness answer registers NotReady ("kubelet is starting")', async () => {
    await registerNode({ client: cluster.client, config: config('node-s') });
    const got = await cluster.client.nodes.get('node-s');
    expect(got.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'KubeletNotReady',
      message: 'kubelet is starting',
    });
  });

  it("on restart keeps spec (cordon, taints) and others' labels, reconciles its own labels and status", async () => {
    const clock = new FakeClock();
    await registerNode({ client: cluster.client, config: config('node-2'), readiness: { ready: true }, clock });
    const first = await cluster.client.nodes.get('node-2');
    const readyAt = first.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
    await cluster.client.nodes.patch(
      'node-2',
      {
        metadata: { labels: { team: 'blue', 'kubernetes.io/hostname': 'wrong' } },
        spec: { unschedulable: true, taints: [{ key: 'maintenance', effect: 'NoExecute' }] },
      },
      'merge',
    );

    await clock.advance(30_000);
    const again = await registerNode({
      client: cluster.client,
      config: config('node-2', { kubeletPort: 10302, taints: [{ key: 'ignored-on-restart', effect: 'NoSchedule' }] }),
      readiness: { ready: true },
      clock,
    });
    expect(again.metadata?.uid).toBe(first.metadata?.uid);
    const got = await cluster.client.nodes.get('node-2');
    expect(got.spec?.unschedulable).toBe(true);
    expect(got.spec?.taints).toEqual([{ key: 'maintenance', effect: 'NoExecute' }]);
    expect(got.metadata?.labels).toMatchObject({ team: 'blue', 'kubernetes.io/hostname': 'node-2' });
    expect(got.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10302);
    const ready = got.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.lastTransitionTime).toBe(readyAt);
    expect(ready?.lastHeartbeatTime).not.toBe(readyAt);
  });

  it('retries with backoff until the API server answers', async () => {
    await cluster.server.app.close();
    const log = recordingLog();
    const done = registerNode({ client: cluster.client, config: config('node-3'), initialBackoffMs: 10, maxBackoffMs: 40, log });
    await vi.waitFor(() => expect(log.warnings.length).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    expect(log.warnings.slice(0, 3).map((w) => w['retryInMs'])).toEqual([10, 20, 40]);
    await cluster.restart();
    const node = await done;
    expect(node.metadata?.name).toBe('node-3');
    expect((await cluster.client.nodes.get('node-3')).metadata?.uid).toBe(node.metadata?.uid);
  });

  it('stops retrying when aborted', async () => {
    const dead = new Clientset({ server: 'http://127.0.0.1:1' });
    const ac = new AbortController();
    const clock = new FakeClock();
    const log = recordingLog();
    const done = registerNode({ client: dead, config: config('node-4'), clock, signal: ac.signal, log });
    await vi.waitFor(() => expect(log.warnings.length).toBe(1));
    ac.abort(new Error('stopped'));
    await expect(done).rejects.toThrow('stopped');
    dead.close();
  });

  it('gives up at once when the server refuses the Node as invalid, and on a config that is not quantities', async () => {
    await expect(registerNode({ client: cluster.client, config: config('Not_A_DNS_Name') })).rejects.toMatchObject({ code: 422 });
    const bad = config('node-5');
    await expect(registerNode({ client: cluster.client, config: { ...bad, capacity: { ...bad.capacity, cpu: 'many' } } })).rejects.toThrow(TypeError);
  });
});
