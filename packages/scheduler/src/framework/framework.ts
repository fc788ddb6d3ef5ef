/**
 * One scheduling profile's plugins, wired: runs PreFilter, Filter, PreScore
 * and Score (with normalization and weights) for a pod. Owned by the
 * Scheduler; stateless between attempts except for reusable score buffers,
 * so it must not be used by two cycles at once (the scheduler runs one
 * cycle at a time, synchronously).
 */
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { Status } from './status.js';
import {
  CycleState,
  isFilter,
  isPreFilter,
  isPreScore,
  isScore,
  MAX_NODE_SCORE,
  type FilterPlugin,
  type Plugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from './types.js';

export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

export interface FrameworkPlugins {
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  preScore: PreScorePlugin[];
  score: WeightedScorePlugin[];
}

/** What one attempt carries between the extension points. */
export interface Cycle {
  state: CycleState;
  pod: PodInfo;
  /** Filters that did not skip this pod, in profile order. */
  filters: FilterPlugin[];
  /** Score plugins that did not skip, with weights. */
  scores: WeightedScorePlugin[];
}

export class Framework {
  private buffers: Float64Array[] = [];

  constructor(
    readonly profileName: string,
    readonly plugins: FrameworkPlugins,
  ) {}

  /** Groups instantiated plugins by the extension points they implement. */
  static fromPlugins(profileName: string, filterPlugins: Plugin[], scorePlugins: Array<{ plugin: Plugin; weight: number }>): Framework {
    const preFilter = new Set<PreFilterPlugin>();
    const preScore = new Set<PreScorePlugin>();
    const filter: FilterPlugin[] = [];
    const score: WeightedScorePlugin[] = [];
    for (const p of filterPlugins) {
      if (isFilter(p)) filter.push(p);
      if (isPreFilter(p)) preFilter.add(p);
    }
    for (const { plugin, weight } of scorePlugins) {
      if (isScore(plugin)) score.push({ plugin, weight });
      if (isPreScore(plugin)) preScore.add(plugin);
    }
    return new Framework(profileName, { preFilter: [...preFilter], filter, preScore: [...preScore], score });
  }

  /**
   * Runs every PreFilter. Returns the cycle to filter with, or the first
   * rejecting/error Status (the pod fits no node at all then).
   */
  preFilter(pod: PodInfo): Cycle | Status {
    const state = new CycleState();
    let skipped: Set<string> | undefined;
    for (const p of this.plugins.preFilter) {
      const s = p.preFilter(state, pod);
      if (s.isSkip()) (skipped ??= new Set()).add(p.name);
      else if (!s.isSuccess()) return s;
    }
    const filters = skipped ? this.plugins.filter.filter((f) => !skipped.has(f.name)) : this.plugins.filter;
    return { state, pod, filters, scores: this.plugins.score };
  }

  /** Runs the cycle's filters on one node; the first non-success Status wins. */
  filter(cycle: Cycle, node: NodeInfo): Status {
    const filters = cycle.filters;
    for (let i = 0; i < filters.length; i++) {
      const s = filters[i]!.filter(cycle.state, cycle.pod, node);
      if (s !== Status.SUCCESS && !s.isSuccess()) return s;
    }
    return Status.SUCCESS;
  }

  /**
   * Scores the feasible nodes: each plugin's raw scores, normalized, times
   * its weight, summed into `totals[i]` for `nodes[i]`. Returns the buffer
   * (reused by the next call: read it before scheduling again).
   */
  score(cycle: Cycle, nodes: readonly NodeInfo[]): Float64Array {
    const n = nodes.length;
    let active = cycle.scores;
    if (this.plugins.preScore.length > 0) {
      let skipped: Set<string> | undefined;
      for (const p of this.plugins.preScore) {
        const s = p.preScore(cycle.state, cycle.pod, nodes);
        if (s.isSkip()) (skipped ??= new Set()).add(p.name);
        else if (!s.isSuccess()) throw new Error(`${p.name} PreScore: ${s.message()}`);
      }
      if (skipped) active = active.filter((w) => !skipped.has(w.plugin.name));
    }
    const totals = this.buffer(0, n);
    totals.fill(0, 0, n);
    const scratch = this.buffer(1, n);
    for (const { plugin, weight } of active) {
      for (let i = 0; i < n; i++) scratch[i] = plugin.score(cycle.state, cycle.pod, nodes[i]!);
      plugin.normalizeScores?.(cycle.state, cycle.pod, scratch, n);
      for (let i = 0; i < n; i++) {
        const s = scratch[i]!;
        totals[i]! += (s < 0 ? 0 : s > MAX_NODE_SCORE ? MAX_NODE_SCORE : s) * weight;
      }
    }
    return totals;
  }

  private buffer(slot: number, n: number): Float64Array {
    let b = this.buffers[slot];
    if (!b || b.length < n) this.buffers[slot] = b = new Float64Array(Math.max(n, 2 * (b?.length ?? 64)));
    return b;
  }
}
