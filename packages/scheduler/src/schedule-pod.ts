/**
 * The scheduling algorithm for one pod (Kubernetes' schedulePod):
 * PreFilter, Filter over a sample of the nodes, then Score and pick the
 * best. Synchronous and free of I/O: it reads the cache as it is now, so a
 * decision always sees every pod assumed before it.
 */
import type { SchedulerCache } from './cache/scheduler-cache.js';
import { FitError, NO_NODES_AVAILABLE } from './framework/fit-error.js';
import type { Framework } from './framework/framework.js';
import type { NodeInfo } from './framework/node-info.js';
import type { PodInfo } from './framework/pod-info.js';
import { Status } from './framework/status.js';

/** Clusters below this many nodes are always filtered in full. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes are enough to stop filtering (Kubernetes'
 * numFeasibleNodesToFind): all nodes below 100; otherwise `percentage` of
 * them, where 0 means adaptive, `50 - nodes/125` but at least 5 %; and
 * never fewer than 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentageOfNodesToScore >= 100) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage <= 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

export interface ScheduleResult {
  nodeName: string;
  /** Nodes filtered / found feasible in this attempt. */
  evaluatedNodes: number;
  feasibleNodes: number;
}

export class NoNodesAvailableError extends Error {
  constructor() {
    super(NO_NODES_AVAILABLE);
    this.name = 'NoNodesAvailableError';
  }
}

/**
 * Picks a node for the pod. Throws FitError (the pod fits no node),
 * NoNodesAvailableError, or a plugin's Error status as an Error.
 * Filtering starts where the previous attempt stopped, so successive pods
 * see different samples of a large cluster.
 */
export class PodScheduler {
  private nextStartNodeIndex = 0;
  private readonly feasible: NodeInfo[] = [];

  constructor(
    private readonly framework: Framework,
    private readonly cache: SchedulerCache,
    private readonly percentageOfNodesToScore: number,
    private readonly random: () => number = Math.random,
  ) {}

  schedule(pod: PodInfo): ScheduleResult {
    const nodes = this.cache.nodeList();
    const all = nodes.length;
    if (all === 0) throw new NoNodesAvailableError();
    const cycle = this.framework.preFilter(pod);
    if (cycle instanceof Status) {
      if (cycle.code === 'Error') throw new Error(`${cycle.plugin} PreFilter: ${cycle.message()}`);
      throw new FitError(all, new Map(), cycle.message());
    }

    const want = numFeasibleNodesToFind(all, this.percentageOfNodesToScore);
    const feasible = this.feasible;
    feasible.length = 0;
    let rejected: Status[] | undefined;
    let processed = 0;
    const start = this.nextStartNodeIndex % all;
    for (; processed < all && feasible.length < want; processed++) {
      let i = start + processed;
      if (i >= all) i -= all;
      const node = nodes[i]!;
      const s = this.framework.filter(cycle, node);
      if (s === Status.SUCCESS || s.isSuccess()) feasible.push(node);
      else if (s.code === 'Error') throw new Error(`${s.plugin} Filter on node ${node.name}: ${s.message()}`);
      else (rejected ??= []).push(s);
    }
    this.nextStartNodeIndex = (start + processed) % all;
    if (feasible.length === 0) throw FitError.fromStatuses(all, rejected ?? []);

    const result = { evaluatedNodes: processed, feasibleNodes: feasible.length };
    if (feasible.length === 1) return { nodeName: feasible[0]!.name, ...result };
    const scores = this.framework.score(cycle, feasible);
    // Highest total wins; ties are broken uniformly at random (reservoir sampling).
    let best = 0;
    let ties = 1;
    for (let i = 1; i < feasible.length; i++) {
      const s = scores[i]!;
      if (s > scores[best]!) {
        best = i;
        ties = 1;
      } else if (s === scores[best]!) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return { nodeName: feasible[best]!.name, ...result };
  }
}
