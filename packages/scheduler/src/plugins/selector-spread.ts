/**
 * SelectorSpread (score): spreads the pods of one controller (ReplicaSet,
 * StatefulSet, Job...; the owner reference with `controller: true`) across
 * nodes, the job of Kubernetes' SelectorSpread and of PodTopologySpread's
 * default constraints at node level. A node scores
 * `100 * (max - count) / max`, where count is how many pods of the same
 * owner it already runs (bound or assumed) and max the highest count among
 * the feasible nodes. Skips pods without a controller.
 */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { defaultNormalizeScores, type CycleState, type PreScorePlugin, type ScorePlugin } from '../framework/types.js';
import { SELECTOR_SPREAD } from './names.js';

export class SelectorSpread implements PreScorePlugin, ScorePlugin {
  readonly name = SELECTOR_SPREAD;

  preScore(_state: CycleState, pod: PodInfo): Status {
    return pod.ownerUid ? Status.SUCCESS : Status.SKIP;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return pod.ownerUid ? (node.ownerCounts.get(pod.ownerUid) ?? 0) : 0;
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: Float64Array, n: number): void {
    defaultNormalizeScores(scores, n, true);
  }
}
