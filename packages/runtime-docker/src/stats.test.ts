import { describe, expect, it } from 'vitest';
import { convertStats } from './stats.js';

const attrs = { id: 'c1', metadata: { name: 'app', attempt: 0 }, labels: {}, annotations: {} };
const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:00:02Z';

describe('convertStats', () => {
  it('reports cumulative CPU and, from the second sample on, nano cores', () => {
    const first = convertStats({ read: T0, cpu_stats: { cpu_usage: { total_usage: 1e9 } } }, attrs, undefined, 0);
    expect(first.stats.cpu?.usageCoreNanoSeconds?.value).toBe(1e9);
    expect(first.stats.cpu?.usageNanoCores).toBeNull();
    // 1 s of CPU over 2 s of wall time: half a core.
    const second = convertStats({ read: T1, cpu_stats: { cpu_usage: { total_usage: 2e9 } } }, attrs, first.cpuSample, 0);
    expect(second.stats.cpu?.usageNanoCores?.value).toBe(5e8);
    expect(second.stats.cpu?.timestamp).toBe(Date.parse(T1) * 1e6);
  });

  it('computes the working set from cgroup v1 and v2 fields', () => {
    const v1 = convertStats(
      { read: T0, memory_stats: { usage: 10_000, limit: 50_000, stats: { total_inactive_file: 4_000, total_rss: 3_000 } } },
      attrs,
      undefined,
      0,
    );
    expect(v1.stats.memory?.workingSetBytes?.value).toBe(6_000);
    expect(v1.stats.memory?.availableBytes?.value).toBe(44_000);
    expect(v1.stats.memory?.rssBytes?.value).toBe(3_000);
    const v2 = convertStats({ read: T0, memory_stats: { usage: 10_000, stats: { inactive_file: 12_000, anon: 1 } } }, attrs, undefined, 0);
    expect(v2.stats.memory?.workingSetBytes?.value).toBe(0);
    expect(v2.stats.memory?.availableBytes).toBeNull();
  });

  it('leaves absent figures null (stopped container) and falls back to now', () => {
    const { stats, cpuSample } = convertStats({ read: '0001-01-01T00:00:00Z' }, attrs, undefined, 42);
    expect(cpuSample).toBeUndefined();
    expect(stats.cpu?.timestamp).toBe(42);
    expect(stats.memory?.workingSetBytes).toBeNull();
    expect(stats.attributes).toBe(attrs);
  });
});
