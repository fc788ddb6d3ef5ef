/**
 * Why a pod fits no node, in Kubernetes' words (framework.FitError):
 *
 *   0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: not supported.
 *
 * Every reason of every rejected node is counted; the "COUNT REASON"
 * strings are sorted as strings (as Kubernetes' sortReasonsHistogram does)
 * and joined with ", ". A PreFilter rejection replaces the histogram with
 * its own message. mk8s has no preemption, and says so where Kubernetes
 * reports its PostFilter outcome.
 */
import type { Status } from './status.js';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
export const PREEMPTION_MESSAGE = 'preemption: not supported';

export class FitError extends Error {
  constructor(
    readonly numAllNodes: number,
    /** Reason -> number of nodes that gave it. */
    readonly reasons: ReadonlyMap<string, number>,
    /** Set when a PreFilter rejected the pod for every node. */
    readonly preFilterMessage = '',
  ) {
    super(fitErrorMessage(numAllNodes, reasons, preFilterMessage));
    this.name = 'FitError';
  }

  /** Counts the reasons of per-node rejections. */
  static fromStatuses(numAllNodes: number, statuses: Iterable<Status>): FitError {
    const reasons = new Map<string, number>();
    for (const s of statuses) for (const r of s.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    return new FitError(numAllNodes, reasons);
  }
}

export function fitErrorMessage(numAllNodes: number, reasons: ReadonlyMap<string, number>, preFilterMessage = ''): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMessage) {
    msg += ` ${preFilterMessage}.`;
  } else {
    const histogram = [...reasons].map(([reason, count]) => `${count} ${reason}`).sort();
    if (histogram.length > 0) msg += ` ${histogram.join(', ')}.`;
  }
  return `${msg} ${PREEMPTION_MESSAGE}.`;
}
