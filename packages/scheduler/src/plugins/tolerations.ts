/**
 * Whether a pod's tolerations cover a node's taint (Kubernetes'
 * v1helper.TolerationsTolerateTaint), shared by the plugins that look at
 * taints.
 */
import type { Taint, Toleration } from '@mk8s/api';

/**
 * An empty toleration effect matches every effect; an empty key with
 * `Exists` matches every key; `Exists` ignores the value; `Equal` (the
 * default operator) compares it.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

export function tolerationsTolerate(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}
