import { describe, expect, it } from 'vitest';
import type { ContainerStats, CriRuntime } from '@mk8s/cri';
import { CpuRateTracker } from './stats-cpu-rate.js';
import { buildStatsSummary } from './stats-summary.js';

describe('CpuRateTracker', () => {
  it('derives nanocores from two cumulative samples, and starts over after a reset', () => {
    const t = new CpuRateTracker();
    expect(t.observe('c', 1e9, 0)).toBeUndefined();
    expect(t.observe('c', 3e9, 1e9)).toBe(500_000_000); // 1 s of CPU over 2 s: half a core
    expect(t.observe('c', 3e9, 1e9)).toBeUndefined(); // same sample again
    expect(t.observe('c', 4e9, 1.25e9)).toBe(250_000_000);
    expect(t.observe('c', 5e9, 0)).toBeUndefined(); // counter went back: restarted
    t.retain(new Set());
    expect(t.size).toBe(0);
  });
});

describe('/stats/summary for a runtime that reports cumulative CPU only', () => {
  it('reports a rate from the second request on', async () => {
    let nowNs = 10e9;
    let cumulative = 0;
    const stats = (): ContainerStats =>
      ({
        attributes: {
          id: 'c1',
          metadata: { name: 'app', attempt: 0 },
          labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'u1' },
          annotations: {},
        },
        cpu: { timestamp: nowNs, usageCoreNanoSeconds: { value: cumulative }, usageNanoCores: null },
        memory: { timestamp: nowNs, workingSetBytes: { value: 1000 } },
        writableLayer: null,
      }) as ContainerStats;
    const runtime = {
      listPodSandbox: async () => ({ items: [] }),
      listContainers: async () => ({ containers: [] }),
      listContainerStats: async () => ({ stats: [stats()] }),
    } as unknown as CriRuntime;
    const rates = new CpuRateTracker();
    const first = await buildStatsSummary(runtime, { rates });
    expect(first.pods[0]!.containers[0]!.cpu.usageNanoCores).toBe(0);
    nowNs += 4e9;
    cumulative += 3e9;
    const second = await buildStatsSummary(runtime, { rates });
    expect(second.pods[0]!.containers[0]!.cpu).toMatchObject({ usageNanoCores: 750_000_000, usageCoreNanoSeconds: 3e9 });
    expect(second.node.cpu.usageNanoCores).toBe(750_000_000);
  });
});
