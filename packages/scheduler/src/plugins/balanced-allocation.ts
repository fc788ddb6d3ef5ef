/**
 * NodeResourcesBalancedAllocation (score): prefer nodes where, with the
 * pod placed, the used fractions of cpu and memory are close to each other,
 * so neither runs out while the other idles. Score is
 * `(1 - standard deviation of the fractions) * 100`, fractions capped at 1
 * (Kubernetes' balanced_allocation.go), over the pods' actual requests.
 */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework/types.js';
import { NODE_RESOURCES_BALANCED_ALLOCATION } from './names.js';
import { allocatableOf, requestedWithPod } from './node-resources-fit.js';

export interface BalancedAllocationArgs {
  resources?: Array<{ name: string; weight?: number }>;
}

export class BalancedAllocation implements ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  private readonly resources: string[];
  private readonly fractions: Float64Array;

  constructor(args: BalancedAllocationArgs = {}) {
    this.resources = args.resources?.length ? args.resources.map((r) => r.name) : ['cpu', 'memory'];
    this.fractions = new Float64Array(this.resources.length);
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let n = 0;
    let sum = 0;
    for (const r of this.resources) {
      const allocatable = allocatableOf(node, r);
      if (allocatable <= 0) continue;
      const f = Math.min(1, requestedWithPod(pod, node, r, false) / allocatable);
      this.fractions[n++] = f;
      sum += f;
    }
    if (n < 2) return MAX_NODE_SCORE;
    const mean = sum / n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (this.fractions[i]! - mean) ** 2;
    const std = Math.sqrt(variance / n);
    return (1 - std) * MAX_NODE_SCORE;
  }
}
