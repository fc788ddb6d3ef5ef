/**
 * CPU rates for runtimes that report only cumulative CPU time.
 *
 * The CRI's `usage_nano_cores` is optional: a runtime may give only
 * `usage_core_nano_seconds` (mk8s-dockershim leaves the rate out on a
 * container's first sample). The Summary API promises a rate, so the kubelet
 * keeps the previous cumulative sample of each container and derives the
 * rate from the two: (usage - prevUsage) / (time - prevTime), in nanocores.
 *
 * One tracker lives as long as the kubelet's HTTP server; `/stats/summary`
 * calls `observe` for every container it reports and `retain` with the ids
 * still present, so the map never outgrows the running containers.
 */
export class CpuRateTracker {
  private readonly last = new Map<string, { timeNs: number; usageNs: number }>();

  /**
   * Records a cumulative sample and returns the rate since the previous one
   * of the same container, or undefined when there is none usable (first
   * sample, same timestamp, or a counter that went backwards: a restart).
   */
  observe(containerId: string, timeNs: number, usageCoreNanoSeconds: number): number | undefined {
    const prev = this.last.get(containerId);
    if (prev && timeNs === prev.timeNs) {
      // The runtime answered from the same sample: keep the older reference.
      return undefined;
    }
    this.last.set(containerId, { timeNs, usageNs: usageCoreNanoSeconds });
    if (!prev || timeNs < prev.timeNs || usageCoreNanoSeconds < prev.usageNs) return undefined;
    return Math.round(((usageCoreNanoSeconds - prev.usageNs) / (timeNs - prev.timeNs)) * 1e9);
  }

  /** Forgets containers that are not in `ids`. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.last.keys()) if (!ids.has(id)) this.last.delete(id);
  }

  get size(): number {
    return this.last.size;
  }
}
