/**
 * The extension points of the scheduling framework (Kubernetes'
 * pkg/scheduler/framework/interface.go), one small interface each. A plugin
 * implements the ones it needs; the framework calls them in the order the
 * profile lists them.
 *
 * Contracts:
 * - every call is synchronous and must not change its arguments: pods and
 *   nodes are shared with the informer caches;
 * - PreFilter/PreScore run once per attempt and may return `Status.SKIP` to
 *   take the plugin out of Filter/Score for this pod;
 * - Filter answers for one node; a rejection is a Status, not a throw;
 * - Score returns a raw number for one node; `normalizeScores` (if any) maps
 *   the raw scores of all feasible nodes into 0..100 in place; the framework
 *   then multiplies by the plugin's weight.
 */
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Status } from './status.js';

export const MAX_NODE_SCORE = 100;

/** Per-attempt scratch space shared by the plugins of one scheduling cycle. */
export class CycleState {
  private readonly data = new Map<string, unknown>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo): Status;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rescales `scores[0..n)` into 0..MAX_NODE_SCORE in place. */
  normalizeScores?(state: CycleState, pod: PodInfo, scores: Float64Array, n: number): void;
}

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as Partial<PreFilterPlugin>).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === 'function';
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as Partial<PreScorePlugin>).preScore === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as Partial<ScorePlugin>).score === 'function';
}

/** Builds a plugin from its optional `args` (from the config file's pluginConfig). */
export type PluginFactory = (args: Record<string, unknown>) => Plugin;

/**
 * Kubernetes' DefaultNormalizeScore: scales so the highest raw score becomes
 * MAX_NODE_SCORE (all zero stays zero); `reverse` makes the lowest raw score
 * the best (for "fewer is better" counts such as untolerated soft taints).
 */
export function defaultNormalizeScores(scores: Float64Array, n: number, reverse: boolean): void {
  let max = 0;
  for (let i = 0; i < n; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE, 0, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    const s = (MAX_NODE_SCORE * scores[i]!) / max;
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
