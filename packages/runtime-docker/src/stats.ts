/**
 * Docker stats (one sample, `stream: false`) to CRI ContainerStats.
 *
 * - usage_core_nano_seconds: cumulative CPU time, `cpu_stats.cpu_usage.total_usage`.
 * - usage_nano_cores: CPU rate, the CPU time between the previous sample of the
 *   same container and this one divided by the wall time between them; absent
 *   (null) on the first sample, as with other CRI runtimes.
 * - working_set_bytes: `usage - inactive_file` (cgroup v1 reports
 *   `total_inactive_file`, v2 `inactive_file`), never below zero; this is the
 *   figure the kubelet uses for eviction and `kubectl top`.
 */
import type { ContainerAttributes, ContainerStats, UInt64Value } from '@mk8s/cri';
import { rfc3339ToNs } from './time.js';

/** The subset of Docker's stats JSON this conversion reads (fields vary by cgroup version). */
export interface DockerStatsSample {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: {
    usage?: number;
    limit?: number;
    stats?: Record<string, number | undefined>;
  };
}

export interface CpuSample {
  timestampNs: number;
  totalUsageNs: number;
}

const u64 = (value: number): UInt64Value => ({ value: Math.max(0, Math.round(value)) });

/** Memory limits at or above this are Docker's "no limit" and give no available_bytes. */
const UNLIMITED = 2 ** 62;

export function convertStats(
  sample: DockerStatsSample,
  attributes: ContainerAttributes,
  previous: CpuSample | undefined,
  nowNs: number,
): { stats: ContainerStats; cpuSample: CpuSample | undefined } {
  const readNs = rfc3339ToNs(sample.read);
  const timestamp = readNs > 0 ? readNs : nowNs;

  const total = sample.cpu_stats?.cpu_usage?.total_usage;
  let cpuSample: CpuSample | undefined;
  let usageNanoCores: UInt64Value | null = null;
  if (typeof total === 'number') {
    cpuSample = { timestampNs: timestamp, totalUsageNs: total };
    if (previous && timestamp > previous.timestampNs && total >= previous.totalUsageNs) {
      usageNanoCores = u64(((total - previous.totalUsageNs) / (timestamp - previous.timestampNs)) * 1e9);
    }
  }

  const mem = sample.memory_stats;
  const detail = mem?.stats ?? {};
  const usage = mem?.usage;
  const inactiveFile = detail['total_inactive_file'] ?? detail['inactive_file'] ?? 0;
  const workingSet = typeof usage === 'number' ? Math.max(0, usage - inactiveFile) : undefined;
  const limit = mem?.limit;
  const rss = detail['total_rss'] ?? detail['rss'] ?? detail['anon'];
  const pageFaults = detail['total_pgfault'] ?? detail['pgfault'];
  const majorPageFaults = detail['total_pgmajfault'] ?? detail['pgmajfault'];

  const stats: ContainerStats = {
    attributes,
    cpu: {
      timestamp,
      usageCoreNanoSeconds: typeof total === 'number' ? u64(total) : null,
      usageNanoCores,
    },
    memory: {
      timestamp,
      workingSetBytes: workingSet === undefined ? null : u64(workingSet),
      availableBytes: workingSet !== undefined && typeof limit === 'number' && limit > 0 && limit < UNLIMITED ? u64(limit - workingSet) : null,
      usageBytes: typeof usage === 'number' ? u64(usage) : null,
      rssBytes: typeof rss === 'number' ? u64(rss) : null,
      pageFaults: typeof pageFaults === 'number' ? u64(pageFaults) : null,
      majorPageFaults: typeof majorPageFaults === 'number' ? u64(majorPageFaults) : null,
    },
    writableLayer: null,
  };
  return { stats, cpuSample };
}
