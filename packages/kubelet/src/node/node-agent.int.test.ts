import { FakeClock } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NodeAgent } from './node-agent.js';
import { detectNodeConfig } from './node-config.js';
import { NODE_LEASE_NAMESPACE } from './node-lease.js';
import { criRuntimeReadiness } from './runtime-readiness.js';

let cluster: TestCluster;
let clock: FakeClock;
let runtime: FakeRuntime;
const stops: AbortController[] = [];

beforeEach(async () => {
  cluster = await startTestCluster();
  clock = new FakeClock();
  runtime = new FakeRuntime();
});
afterEach(async () => {
  for (const ac of stops.splice(0)) ac.abort();
  await cluster.stop();
});

const config = detectNodeConfig('node-1', {
  capacity: { cpu: '4', memory: '8Gi', pods: '50' },
  allocatable: { cpu: '3' },
  kubeletPort: 10350,
  labels: { pool: 'hollow' },
  nodeInfo: { containerRuntimeVersion: 'mk8s-fake://0.1.0' },
});

function start(): { agent: NodeAgent; done: Promise<void>; stop: () => Promise<void> } {
  const agent = new NodeAgent({
    client: cluster.client,
    config,
    clock,
    runtimeReady: criRuntimeReadiness(runtime),
    renewIntervalMs: 2_000,
    statusUpdateMs: 10_000,
    statusReportMs: 60_000,
  });
  const ac = new AbortController();
  stops.push(ac);
  const done = agent.run(ac.signal);
  return {
    agent,
    done,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

/** Both loops (lease and status) are asleep on the fake clock. */
const idle = () => vi.waitFor(() => expect(clock.waiting).toBe(2));
const leases = () => cluster.client.leases.inNamespace(NODE_LEASE_NAMESPACE);
const getNode = () => cluster.client.nodes.get('node-1');

describe('NodeAgent', () => {
  it('registers the Node with capacity, labels, conditions and daemon endpoint, and heartbeats a Lease it owns', async () => {
    const { agent, stop } = start();
    const registered = await agent.registered();
    await idle();
    const node = await getNode();
    expect(node.metadata?.uid).toBe(registered.metadata?.uid);
    expect(node.metadata?.labels).toMatchObject({ 'kubernetes.io/hostname': 'node-1', 'kubernetes.io/os': 'linux', pool: 'hollow' });
    expect(node.status?.capacity).toEqual({ cpu: '4', memory: '8Gi', pods: '50' });
    expect(node.status?.allocatable).toEqual({ cpu: '3', memory: '8Gi', pods: '50' });
    expect(node.status?.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10350 } });
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toBe('mk8s-fake://0.1.0');
    expect(node.status?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['MemoryPressure', 'False'],
      ['DiskPressure', 'False'],
      ['PIDPressure', 'False'],
      ['Ready', 'True'],
    ]);

    const lease = await leases().get('node-1');
    expect(lease.spec).toMatchObject({ holderIdentity: 'node-1', leaseDurationSeconds: 10 });
    expect(lease.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: node.metadata?.uid }]);
    const renewTimes = [lease.spec!.renewTime!];
    for (let i = 0; i < 2; i++) {
      await clock.advance(2_000);
      await idle();
      renewTimes.push((await leases().get('node-1')).spec!.renewTime!);
    }
    expect(new Set(renewTimes).size).toBe(3);
    expect([...renewTimes].sort()).toEqual(renewTimes);
    await stop();
  });

  it('does not rewrite the Node status while nothing changes within statusReportMs, and does after it', async () => {
    const { agent, stop } = start();
    await agent.registered();
    await idle();
    const rv = (await getNode()).metadata?.resourceVersion;
    for (let i = 0; i < 25; i++) {
      await clock.advance(2_000); // 50 s: lease renewals and status checks, no status write
      await idle();
    }
    expect((await getNode()).metadata?.resourceVersion).toBe(rv);
    for (let i = 0; i < 5; i++) {
      await clock.advance(2_000);
      await idle();
    }
    expect((await getNode()).metadata?.resourceVersion).not.toBe(rv);
    await stop();
  });

  it('flips Ready with the runtime, moving lastTransitionTime only on flips', async () => {
    const { agent, stop } = start();
    await agent.registered();
    await idle();
    const ready = async () => (await getNode()).status?.conditions?.find((c) => c.type === 'Ready');
    const t0 = (await ready())?.lastTransitionTime;

    runtime.setCondition('RuntimeReady', false, 'DockerDaemonNotReady', 'docker is down');
    await clock.advance(10_000);
    await idle();
    const down = await ready();
    expect(down).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(down?.message).toContain('RuntimeReady=false reason:DockerDaemonNotReady message:docker is down');
    expect(down?.lastTransitionTime).not.toBe(t0);

    await clock.advance(10_000);
    await idle();
    expect((await ready())?.lastTransitionTime).toBe(down?.lastTransitionTime);

    runtime.setCondition('RuntimeReady', true);
    await clock.advance(10_000);
    await idle();
    const up = await ready();
    expect(up).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(Date.parse(up!.lastTransitionTime!)).toBeGreaterThan(Date.parse(down!.lastTransitionTime!));
    await stop();
  });

  it('a restarted agent keeps the cordon and taints others set', async () => {
    const first = start();
    const before = await first.agent.registered();
    await first.stop();
    await cluster.client.nodes.patch(
      'node-1',
      { spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] } },
      'merge',
    );

    const second = start();
    const after = await second.agent.registered();
    await idle();
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    const node = await getNode();
    expect(node.spec?.unschedulable).toBe(true);
    expect(node.spec?.taints).toEqual([{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    await second.stop();
  });

  it('stopped before registration, run resolves and registered() rejects', async () => {
    await cluster.server.app.close();
    const { agent, stop } = start();
    await stop();
    await expect(agent.registered()).rejects.toBeDefined();
    await cluster.restart();
  });

  it('run may be called once', async () => {
    const { agent, stop } = start();
    await agent.registered();
    await expect(agent.run(new AbortController().signal)).rejects.toThrow(/once/);
    await stop();
  });
});
