import { describe, expect, it } from 'vitest';
import type { PodSandboxConfig } from '@mk8s/cri';
import { FakeClock } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { buildStatsSummary } from './stats-summary.js';

const START = Date.UTC(2026, 0, 1);

async function runPod(runtime: FakeRuntime, name: string, containers: Array<{ name: string; cpu: number; mem: number; limit?: number }>) {
  const config: PodSandboxConfig = { metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 } };
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  const ids: string[] = [];
  for (const c of containers) {
    runtime.scriptContainer({ podName: name, containerName: c.name }, { cpuNanoCores: c.cpu, memoryWorkingSetBytes: c.mem });
    const { containerId } = await runtime.createContainer({
      podSandboxId,
      config: {
        metadata: { name: c.name, attempt: 0 },
        image: { image: 'busybox:latest' },
        linux: { resources: { memoryLimitInBytes: c.limit } },
      },
      sandboxConfig: config,
    });
    await runtime.startContainer({ containerId });
    ids.push(containerId);
  }
  return { podSandboxId, ids };
}

describe('buildStatsSummary', () => {
  it('reports per-container, per-pod and node CPU and memory in the Summary API shape', async () => {
    const timer = new FakeClock(START);
    const runtime = new FakeRuntime({ timer });
    await runPod(runtime, 'web', [
      { name: 'app', cpu: 250_000_000, mem: 10_000_000, limit: 50_000_000 },
      { name: 'sidecar', cpu: 50_000_000, mem: 2_000_000 },
    ]);
    await runPod(runtime, 'db', [{ name: 'postgres', cpu: 500_000_000, mem: 100_000_000 }]);
    await timer.advance(2000);

    const summary = await buildStatsSummary(runtime, { nodeName: 'node-1', now: () => timer.now() });
    const t = new Date(START + 2000).toISOString();
    const started = new Date(START).toISOString();
    expect(summary.node).toEqual({
      nodeName: 'node-1',
      cpu: { time: t, usageNanoCores: 800_000_000, usageCoreNanoSeconds: 1_600_000_000 },
      memory: { time: t, workingSetBytes: 112_000_000, usageBytes: 112_000_000 },
    });
    expect(summary.pods.map((p) => p.podRef)).toEqual([
      { name: 'db', namespace: 'default', uid: 'uid-db' },
      { name: 'web', namespace: 'default', uid: 'uid-web' },
    ]);
    const web = summary.pods[1]!;
    expect(web.startTime).toBe(started);
    expect(web.cpu).toEqual({ time: t, usageNanoCores: 300_000_000, usageCoreNanoSeconds: 600_000_000 });
    expect(web.memory).toEqual({ time: t, workingSetBytes: 12_000_000, usageBytes: 12_000_000 });
    expect(web.containers).toEqual([
      {
        name: 'app',
        startTime: started,
        cpu: { time: t, usageNanoCores: 250_000_000, usageCoreNanoSeconds: 500_000_000 },
        memory: { time: t, workingSetBytes: 10_000_000, usageBytes: 10_000_000, availableBytes: 40_000_000 },
      },
      {
        name: 'sidecar',
        startTime: started,
        cpu: { time: t, usageNanoCores: 50_000_000, usageCoreNanoSeconds: 100_000_000 },
        memory: { time: t, workingSetBytes: 2_000_000, usageBytes: 2_000_000 },
      },
    ]);
  });

  it('keeps a ready pod without running containers, drops exited containers and stopped pods', async () => {
    const timer = new FakeClock(START);
    const runtime = new FakeRuntime({ timer });
    const web = await runPod(runtime, 'web', [{ name: 'app', cpu: 1, mem: 1 }]);
    runtime.exitContainer(web.ids[0]!, 0);
    const gone = await runPod(runtime, 'gone', [{ name: 'app', cpu: 1, mem: 1 }]);
    await runtime.stopPodSandbox({ podSandboxId: gone.podSandboxId });

    const summary = await buildStatsSummary(runtime, { now: () => timer.now() });
    expect(summary.pods).toHaveLength(1);
    expect(summary.pods[0]).toMatchObject({
      podRef: { name: 'web', uid: 'uid-web' },
      containers: [],
      cpu: { usageNanoCores: 0, usageCoreNanoSeconds: 0 },
      memory: { workingSetBytes: 0 },
    });
    expect(summary.node).toMatchObject({ nodeName: '', cpu: { usageNanoCores: 0 }, memory: { workingSetBytes: 0 } });
  });

  it('fails when the runtime does', async () => {
    const runtime = new FakeRuntime();
    runtime.injectError('listContainerStats', new Error('stats unavailable'));
    await expect(buildStatsSummary(runtime)).rejects.toThrow('stats unavailable');
  });
});
