/**
 * TaintToleration (filter and score).
 *
 * Filter: the pod must tolerate every NoSchedule and NoExecute taint of the
 * node; the first one it does not is named in the reason, as Kubernetes
 * does ("node(s) had untolerated taint {key: value}").
 * Score: fewer untolerated PreferNoSchedule taints is better (normalized,
 * reversed: the node with the fewest scores 100).
 */
import type { Toleration } from '@mk8s/api';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { defaultNormalizeScores, type CycleState, type FilterPlugin, type PreScorePlugin, type ScorePlugin } from '../framework/types.js';
import { TAINT_TOLERATION } from './names.js';
import { tolerationsTolerate } from './tolerations.js';

const SCORE_KEY = 'TaintToleration/preferNoSchedule';

export function untoleratedTaintReason(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;
  /** One Status per distinct taint, so repeated rejections allocate nothing. */
  private readonly rejected = new Map<string, Status>();

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const taints = node.hardTaints;
    if (taints.length === 0) return Status.SUCCESS;
    const tolerations = pod.pod.spec?.tolerations;
    for (const taint of taints) {
      if (tolerationsTolerate(tolerations, taint)) continue;
      const reason = untoleratedTaintReason(taint.key, taint.value);
      let s = this.rejected.get(reason);
      if (!s) {
        if (this.rejected.size > 1000) this.rejected.clear();
        this.rejected.set(reason, (s = Status.unresolvable(TAINT_TOLERATION, reason)));
      }
      return s;
    }
    return Status.SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    // Only tolerations that can match PreferNoSchedule taints matter for scoring.
    const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(SCORE_KEY, tolerations);
    return Status.SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const taints = node.softTaints;
    if (taints.length === 0) return 0;
    const tolerations = state.read<Toleration[]>(SCORE_KEY) ?? [];
    let count = 0;
    for (const taint of taints) if (!tolerationsTolerate(tolerations, taint)) count++;
    return count;
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: Float64Array, n: number): void {
    defaultNormalizeScores(scores, n, true);
  }
}
