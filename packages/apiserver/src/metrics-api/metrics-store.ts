/**
 * The metrics pipeline's memory (metrics-server's storage): the two newest
 * cumulative CPU samples and the newest memory sample of every node and
 * container, from the kubelets' Summary API.
 *
 * CPU usage is a rate over the window between the two samples, computed from
 * cumulative CPU time as metrics-server does, so a figure means "average over
 * the last `window`", whatever the runtime's own sampling. A container needs
 * two samples (two scrapes) before it has metrics; a container that restarted
 * (new start time, or its counter went backwards) starts over. When a runtime
 * reports no cumulative time at all, its instantaneous rate is used instead.
 *
 * `update` replaces everything with one scrape's results: a node that did not
 * answer, and the pods on it, have no metrics until it answers again (the
 * node's older sample is kept as its next reference point; its pods start over).
 */
import type { Summary, SummaryCpu, SummaryMemory } from './summary.js';

interface Sample {
  /** ms since the epoch, from the kubelet's `cpu.time`. */
  timeMs: number;
  cumulativeNs: number;
  /** The runtime's own rate, for runtimes that give no cumulative time. */
  rateNanoCores: number;
  memoryBytes: number;
  /** Identifies one run of a container (start time); a change resets the series. */
  startTime: string;
}

interface Series {
  prev?: Sample;
  last: Sample;
  /** False when the node did not answer the latest scrape (the sample is only a reference). */
  stale?: boolean;
}

export interface Usage {
  /** End of the window (ms since the epoch). */
  timestampMs: number;
  windowMs: number;
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface ContainerUsage extends Usage {
  name: string;
}

export interface PodUsage {
  timestampMs: number;
  windowMs: number;
  containers: ContainerUsage[];
}

/** A node's answer in one scrape; `summary` undefined when it failed. */
export interface NodeScrape {
  node: string;
  summary?: Summary;
  /** When the kubelet answered (ms), the fallback time of samples without one. */
  scrapedAtMs: number;
}

function sampleOf(cpu: SummaryCpu | undefined, memory: SummaryMemory | undefined, startTime: string, fallbackMs: number): Sample {
  const t = cpu?.time ? Date.parse(cpu.time) : NaN;
  return {
    timeMs: Number.isFinite(t) ? t : fallbackMs,
    cumulativeNs: cpu?.usageCoreNanoSeconds ?? 0,
    rateNanoCores: cpu?.usageNanoCores ?? 0,
    memoryBytes: memory?.workingSetBytes ?? 0,
    startTime,
  };
}

/** The next series for a new sample: same timestamp keeps the old one, a restart drops `prev`. */
function advance(old: Series | undefined, sample: Sample): Series {
  if (!old) return { last: sample };
  if (sample.timeMs === old.last.timeMs && sample.startTime === old.last.startTime) return { ...old, stale: false };
  if (sample.startTime !== old.last.startTime || sample.timeMs < old.last.timeMs || sample.cumulativeNs < old.last.cumulativeNs) {
    return { last: sample };
  }
  return { prev: old.last, last: sample };
}

/**
 * Usage from a series: the rate between its two samples, or (`instantFallback`)
 * the runtime's rate when there is no valid pair; undefined when it has none.
 */
function usageOf(s: Series, instantFallback: boolean, defaultWindowMs: number): Usage | undefined {
  const { prev, last } = s;
  const noCumulative = last.cumulativeNs === 0 && (!prev || prev.cumulativeNs === 0);
  if (prev && !noCumulative && last.timeMs > prev.timeMs) {
    const windowMs = last.timeMs - prev.timeMs;
    return {
      timestampMs: last.timeMs,
      windowMs,
      cpuNanoCores: ((last.cumulativeNs - prev.cumulativeNs) / (windowMs * 1e6)) * 1e9,
      memoryBytes: last.memoryBytes,
    };
  }
  if (noCumulative || instantFallback) {
    return { timestampMs: last.timeMs, windowMs: defaultWindowMs, cpuNanoCores: last.rateNanoCores, memoryBytes: last.memoryBytes };
  }
  return undefined;
}

const podKey = (ns: string, name: string) => `${ns}/${name}`;

export class MetricsStore {
  private nodes = new Map<string, Series>();
  /** ns/name -> container name -> series, with the node that reported the pod. */
  private pods = new Map<string, { node: string; containers: Map<string, Series> }>();
  private updatedAtMs = 0;

  /** `defaultWindowMs`: the window reported for instantaneous figures (the scrape resolution). */
  constructor(private readonly defaultWindowMs: number) {}

  /** Replaces the stored metrics with one scrape of every node. */
  update(scrapes: readonly NodeScrape[]): void {
    const nodes = new Map<string, Series>();
    const pods = new Map<string, { node: string; containers: Map<string, Series> }>();
    for (const s of scrapes) {
      const summary = s.summary;
      if (!summary) {
        // Keep the reference point, serve nothing for it until it answers again.
        const old = this.nodes.get(s.node);
        if (old) nodes.set(s.node, { last: old.last, stale: true });
        continue;
      }
      nodes.set(s.node, advance(this.nodes.get(s.node), sampleOf(summary.node?.cpu, summary.node?.memory, summary.node?.startTime ?? '', s.scrapedAtMs)));
      for (const p of summary.pods ?? []) {
        const key = podKey(p.podRef.namespace, p.podRef.name);
        const old = this.pods.get(key);
        const containers = new Map<string, Series>();
        for (const c of p.containers ?? []) {
          const start = `${p.podRef.uid ?? ''}/${c.startTime ?? ''}`;
          containers.set(c.name, advance(old?.containers.get(c.name), sampleOf(c.cpu, c.memory, start, s.scrapedAtMs)));
        }
        pods.set(key, { node: s.node, containers });
      }
    }
    this.nodes = nodes;
    this.pods = pods;
    this.updatedAtMs = Date.now();
  }

  /** ms since the epoch of the last `update` (0 before the first). */
  get lastUpdateMs(): number {
    return this.updatedAtMs;
  }

  nodeUsage(name: string): Usage | undefined {
    const s = this.nodes.get(name);
    // A node's total drops when containers end: then the runtime's own figure stands in.
    return s && !s.stale ? usageOf(s, true, this.defaultWindowMs) : undefined;
  }

  /** Metrics of a pod once every one of its reported containers has usage; undefined otherwise. */
  podUsage(namespace: string, name: string): PodUsage | undefined {
    const p = this.pods.get(podKey(namespace, name));
    if (!p || p.containers.size === 0) return undefined;
    const containers: ContainerUsage[] = [];
    for (const [cname, series] of p.containers) {
      const u = usageOf(series, false, this.defaultWindowMs);
      if (!u) return undefined;
      containers.push({ name: cname, ...u });
    }
    containers.sort((a, b) => a.name.localeCompare(b.name));
    return {
      timestampMs: Math.max(...containers.map((c) => c.timestampMs)),
      windowMs: Math.max(...containers.map((c) => c.windowMs)),
      containers,
    };
  }
}
