/**
 * NodeResourcesFit (filter and score).
 *
 * Filter: the pod's requests (Kubernetes' PodRequests: containers summed,
 * init containers' max, overhead) plus what the node's pods (bound and
 * assumed) request must fit the node's allocatable: one more pod than
 * `pods`, cpu, memory and any extended resource. Every resource short is a
 * reason ("Insufficient cpu", "Insufficient memory", "Too many pods").
 *
 * Score, by `scoringStrategy.type` (args, as in KubeSchedulerConfiguration's
 * NodeResourcesFitArgs):
 * - `LeastAllocated` (default): prefer nodes with the most room left,
 *   `(allocatable - requested) * 100 / allocatable` per resource;
 * - `MostAllocated`: bin packing, `requested * 100 / allocatable`;
 * averaged over `scoringStrategy.resources` by weight (cpu and memory, 1 each).
 * Scoring counts pods without requests at 100m cpu / 200Mi, as Kubernetes does.
 */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { MAX_NODE_SCORE, type CycleState, type FilterPlugin, type ScorePlugin } from '../framework/types.js';
import { NODE_RESOURCES_FIT } from './names.js';

export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';
export function insufficientReason(resource: string): string {
  return `Insufficient ${resource}`;
}

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated';

export interface ResourceWeight {
  name: string;
  weight: number;
}

export interface NodeResourcesFitArgs {
  scoringStrategy?: { type?: ScoringStrategyType; resources?: ResourceWeight[] };
}

const DEFAULT_RESOURCES: ResourceWeight[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/**
 * What the node's pods request of `resource` with the pod placed, for
 * scoring; `nonZero` counts pods without cpu/memory requests at the defaults.
 * Plain numbers, no allocation: this runs for every feasible node.
 */
export function requestedWithPod(pod: PodInfo, node: NodeInfo, resource: string, nonZero: boolean): number {
  if (resource === 'cpu') return nonZero ? node.nonZeroMilliCPU + pod.nonZeroMilliCPU : node.requestedMilliCPU + pod.milliCPU;
  if (resource === 'memory') return nonZero ? node.nonZeroMemory + pod.nonZeroMemory : node.requestedMemory + pod.memory;
  let own = 0;
  for (const [name, amount] of pod.scalar) if (name === resource) own = amount;
  return (node.requestedScalar.get(resource) ?? 0) + own;
}

export function allocatableOf(node: NodeInfo, resource: string): number {
  if (resource === 'cpu') return node.allocatable.milliCPU;
  if (resource === 'memory') return node.allocatable.memory;
  return node.allocatable.scalar[resource] ?? 0;
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_FIT;
  private readonly strategy: ScoringStrategyType;
  private readonly resources: ResourceWeight[];
  private readonly weightSum: number;
  private readonly statuses = new Map<string, Status>();

  constructor(args: NodeResourcesFitArgs = {}) {
    this.strategy = args.scoringStrategy?.type ?? 'LeastAllocated';
    if (this.strategy !== 'LeastAllocated' && this.strategy !== 'MostAllocated') {
      throw new Error(`NodeResourcesFit: unknown scoringStrategy.type "${String(this.strategy)}" (LeastAllocated or MostAllocated)`);
    }
    this.resources = args.scoringStrategy?.resources?.length ? args.scoringStrategy.resources : DEFAULT_RESOURCES;
    this.weightSum = this.resources.reduce((s, r) => s + r.weight, 0);
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const alloc = node.allocatable;
    let reasons: string[] | undefined;
    if (node.pods.size + 1 > alloc.pods) (reasons ??= []).push(ERR_REASON_TOO_MANY_PODS);
    if (pod.milliCPU > 0 && node.requestedMilliCPU + pod.milliCPU > alloc.milliCPU) (reasons ??= []).push(insufficientReason('cpu'));
    if (pod.memory > 0 && node.requestedMemory + pod.memory > alloc.memory) (reasons ??= []).push(insufficientReason('memory'));
    for (const [name, amount] of pod.scalar) {
      if ((node.requestedScalar.get(name) ?? 0) + amount > (alloc.scalar[name] ?? 0)) (reasons ??= []).push(insufficientReason(name));
    }
    return reasons ? this.rejection(reasons) : Status.SUCCESS;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (this.weightSum <= 0) return 0;
    let total = 0;
    for (const r of this.resources) {
      total += resourceScore(this.strategy, requestedWithPod(pod, node, r.name, true), allocatableOf(node, r.name)) * r.weight;
    }
    return total / this.weightSum;
  }

  private rejection(reasons: string[]): Status {
    const key = reasons.join('\u0000');
    let s = this.statuses.get(key);
    if (!s) {
      if (this.statuses.size > 1000) this.statuses.clear();
      this.statuses.set(key, (s = Status.unschedulable(NODE_RESOURCES_FIT, ...reasons)));
    }
    return s;
  }
}

function resourceScore(strategy: ScoringStrategyType, requested: number, allocatable: number): number {
  if (allocatable <= 0) return 0;
  if (strategy === 'MostAllocated') return requested > allocatable ? 0 : (requested * MAX_NODE_SCORE) / allocatable;
  return requested > allocatable ? 0 : ((allocatable - requested) * MAX_NODE_SCORE) / allocatable;
}
