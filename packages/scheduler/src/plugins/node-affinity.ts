/**
 * NodeAffinity (filter and score).
 *
 * Filter: the node must match `spec.nodeSelector` and, if present, one of
 * the `requiredDuringSchedulingIgnoredDuringExecution` terms; skipped for
 * pods with neither.
 * Score: the sum of the weights of the `preferredDuringScheduling...` terms
 * the node matches, normalized so the best node scores 100; skipped for
 * pods without preferences.
 */
import type { Pod } from '@mk8s/api';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { defaultNormalizeScores, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../framework/types.js';
import { NODE_AFFINITY } from './names.js';
import { compileNodeSelector, compileTerm, compileTerms, type NodeMatcher } from './node-selector.js';

export const ERR_REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
const REJECTED = Status.unresolvable(NODE_AFFINITY, ERR_REASON_AFFINITY);
const FILTER_KEY = 'NodeAffinity/required';
const SCORE_KEY = 'NodeAffinity/preferred';

/** The pod's hard node constraints as one predicate, or undefined when it has none. */
export function requiredNodeMatcher(pod: Pod): NodeMatcher | undefined {
  const selector = pod.spec?.nodeSelector;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const parts: NodeMatcher[] = [];
  if (selector && Object.keys(selector).length > 0) parts.push(compileNodeSelector(selector));
  if (terms) parts.push(compileTerms(terms));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : (l, n) => parts.every((m) => m(l, n));
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_AFFINITY;

  preFilter(state: CycleState, pod: PodInfo): Status {
    const matcher = requiredNodeMatcher(pod.pod);
    if (!matcher) return Status.SKIP;
    state.write(FILTER_KEY, matcher);
    return Status.SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const matcher = state.read<NodeMatcher>(FILTER_KEY) ?? requiredNodeMatcher(pod.pod);
    if (!matcher) return Status.SUCCESS;
    return matcher(node.labels, node.name) ? Status.SUCCESS : REJECTED;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const terms = preferred.filter((p) => p.weight !== 0).map((p) => ({ weight: p.weight, match: compileTerm(p.preference) }));
    if (terms.length === 0) return Status.SKIP;
    state.write(SCORE_KEY, terms);
    return Status.SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const terms = state.read<Array<{ weight: number; match: NodeMatcher }>>(SCORE_KEY) ?? [];
    let sum = 0;
    for (const t of terms) if (t.match(node.labels, node.name)) sum += t.weight;
    return sum;
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: Float64Array, n: number): void {
    defaultNormalizeScores(scores, n, false);
  }
}
