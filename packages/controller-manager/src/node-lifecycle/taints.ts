/**
 * Taints and tolerations as the node lifecycle controller and its taint-based
 * eviction use them (Kubernetes' `v1.Toleration.ToleratesTaint` and the
 * NoExecute taint manager's timing). Pure functions; inputs are never changed.
 */
import type { Pod, Taint, Toleration } from '@mk8s/api';

/** Put on a node whose Ready condition is Unknown (the kubelet stopped heartbeating). */
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Put on a node whose Ready condition is False (the kubelet says it is not ready). */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';

export const NO_EXECUTE = 'NoExecute';
export const NO_SCHEDULE = 'NoSchedule';

/** Same key and effect: Kubernetes' identity of a taint on a node (value aside). */
export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/**
 * Does `t` tolerate `taint`? An empty effect matches every effect; an empty
 * key with `Exists` matches every taint; `Exists` ignores the value, `Equal`
 * (the default operator) compares it.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

/** The first of `tolerations` that tolerates `taint` (the taint manager uses the first match). */
export function matchingToleration(tolerations: readonly Toleration[] | undefined, taint: Taint): Toleration | undefined {
  return (tolerations ?? []).find((t) => toleratesTaint(t, taint));
}

/**
 * When a pod on a node with these NoExecute taints must be evicted, in ms
 * since the epoch; `Infinity` when it tolerates all of them forever.
 *
 * Each taint is tolerated by the pod's first matching toleration: a taint no
 * toleration matches makes the pod due at once (`-Infinity`); a toleration
 * without `tolerationSeconds`
 * tolerates it forever; otherwise the pod may stay `tolerationSeconds`
 * (negative counts as 0) after the taint appeared. The pod goes at the
 * earliest of these deadlines. `taintStart(taint)` says when a taint
 * appeared (its `timeAdded`, or when this controller first saw it).
 */
export function evictionDeadline(pod: Pod, taints: readonly Taint[], taintStart: (taint: Taint) => number): number {
  let deadline = Infinity;
  for (const taint of taints) {
    if (taint.effect !== NO_EXECUTE) continue;
    const t = matchingToleration(pod.spec?.tolerations, taint);
    if (!t) return Number.NEGATIVE_INFINITY;
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    const at = taintStart(taint) + Math.max(0, t.tolerationSeconds) * 1000;
    if (at < deadline) deadline = at;
  }
  return deadline;
}

/** The taint's `timeAdded` in ms, if it has a valid one. */
export function taintTimeAdded(taint: Taint): number | undefined {
  if (!taint.timeAdded) return undefined;
  const ms = Date.parse(taint.timeAdded);
  return Number.isFinite(ms) ? ms : undefined;
}
