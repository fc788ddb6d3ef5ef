import { FakeClock } from '@mk8s/client';
import { startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Readiness } from './node-conditions.js';
import { detectNodeConfig } from './node-config.js';
import { registerNode } from './node-registration.js';
import { NodeStatusManager } from './node-status.js';

let cluster: TestCluster;
let clock: FakeClock;
let readiness: Readiness;
const config = detectNodeConfig('node-1', { capacity: { cpu: '2', memory: '2Gi', pods: '20' }, nodeInfo: { containerRuntimeVersion: 'mk8s-fake://0.1.0' } });

beforeEach(async () => {
  cluster = await startTestCluster();
  clock = new FakeClock();
  readiness = { ready: true };
  await registerNode({ client: cluster.client, config, readiness, clock });
});
afterEach(async () => {
  await cluster.stop();
});

function manager(): NodeStatusManager {
  return new NodeStatusManager({ client: cluster.client, config, clock, runtimeReady: async () => readiness, statusUpdateMs: 10_000, statusReportMs: 60_000 });
}

const readyOf = async () => (await cluster.client.nodes.get('node-1')).status?.conditions?.find((c) => c.type === 'Ready');

describe('NodeStatusManager.syncOnce', () => {
  it('writes nothing while nothing changed and the report interval has not passed', async () => {
    const m = manager();
    m.noteReported(clock.now());
    const rv = (await cluster.client.nodes.get('node-1')).metadata?.resourceVersion;
    for (let i = 0; i < 5; i++) {
      await clock.advance(10_000);
      expect((await m.syncOnce()).wrote).toBe(false);
    }
    expect((await cluster.client.nodes.get('node-1')).metadata?.resourceVersion).toBe(rv);
  });

  it('writes once the report interval has passed, moving the heartbeat but not the transition', async () => {
    const m = manager();
    m.noteReported(clock.now());
    const before = await readyOf();
    await clock.advance(60_000);
    const { wrote, node } = await m.syncOnce();
    expect(wrote).toBe(true);
    const after = node.status?.conditions?.find((c) => c.type === 'Ready');
    expect(after?.lastTransitionTime).toBe(before?.lastTransitionTime);
    expect(Date.parse(after!.lastHeartbeatTime!)).toBeGreaterThan(Date.parse(before!.lastHeartbeatTime!));
    expect((await m.syncOnce()).wrote).toBe(false);
  });

  it('flips Ready with the runtime at once, moving lastTransitionTime only on flips', async () => {
    const m = manager();
    m.noteReported(clock.now());
    const t0 = (await readyOf())?.lastTransitionTime;

    await clock.advance(10_000);
    readiness = { ready: false, message: 'container runtime is down' };
    expect((await m.syncOnce()).wrote).toBe(true);
    const down = await readyOf();
    expect(down).toMatchObject({ status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' });
    expect(down?.lastTransitionTime).not.toBe(t0);

    await clock.advance(10_000);
    expect((await m.syncOnce()).wrote).toBe(false);
    expect((await readyOf())?.lastTransitionTime).toBe(down?.lastTransitionTime);

    await clock.advance(10_000);
    readiness = { ready: true };
    expect((await m.syncOnce()).wrote).toBe(true);
    const up = await readyOf();
    expect(up).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(Date.parse(up!.lastTransitionTime!)).toBeGreaterThan(Date.parse(down!.lastTransitionTime!));
  });

  it('counts a runtime check that throws as not ready', async () => {
    const m = new NodeStatusManager({ client: cluster.client, config, clock, runtimeReady: () => Promise.reject(new Error('socket gone')) });
    m.noteReported(clock.now());
    expect((await m.syncOnce()).wrote).toBe(true);
    expect(await readyOf()).toMatchObject({ status: 'False', message: 'container runtime status check failed: socket gone' });
  });

  it("rewrites a Ready the node controller set to Unknown, keeping others' conditions", async () => {
    const m = manager();
    m.noteReported(clock.now());
    const node = await cluster.client.nodes.get('node-1');
    const conditions = (node.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
    conditions.push({ type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated' });
    await cluster.client.nodes.updateStatus({ ...node, status: { ...node.status, conditions } });

    await clock.advance(10_000);
    expect((await m.syncOnce()).wrote).toBe(true);
    const got = await cluster.client.nodes.get('node-1');
    expect(got.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(got.status?.conditions?.find((c) => c.type === 'NetworkUnavailable')).toMatchObject({ status: 'False', reason: 'RouteCreated' });
  });

  it('rejects when the Node is gone (run logs it and keeps going)', async () => {
    await cluster.client.nodes.delete('node-1');
    await expect(manager().syncOnce()).rejects.toMatchObject({ code: 404 });
  });
});

describe('NodeStatusManager.run', () => {
  it('syncs every statusUpdateMs until aborted, writing only on change', async () => {
    const m = manager();
    m.noteReported(clock.now());
    const ac = new AbortController();
    const done = m.run(ac.signal);
    const rv = (await cluster.client.nodes.get('node-1')).metadata?.resourceVersion;
    await vi.waitFor(() => expect(clock.waiting).toBe(1));
    await clock.advance(10_000);
    await vi.waitFor(() => expect(clock.waiting).toBe(1));
    expect((await cluster.client.nodes.get('node-1')).metadata?.resourceVersion).toBe(rv);

    readiness = { ready: false, message: 'down' };
    await clock.advance(10_000);
    await vi.waitFor(async () => expect((await readyOf())?.status).toBe('False'));
    ac.abort();
    await done;
  });
});
