/**
 * Read-only questions about Pods that several components ask (the role of
 * Kubernetes' `pkg/api/v1/pod` and `pkg/api/v1/resource` helpers): is it
 * ready, available, terminal; who controls an object; how much does a pod
 * request. Pure functions over the wire shapes; none mutates its input.
 */
import type { OwnerReference } from './schemas/meta.js';
import type { Pod, PodCondition } from './schemas/core-pod.js';
import { parseQuantity } from './quantity.js';
import { getOwn, setOwn } from './own.js';

/** The pod's condition of `type`, if it has one. */
export function podCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** The `Ready` condition is `True`. */
export function isPodReady(pod: Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/**
 * Ready for at least `minReadySeconds` at `nowMs` (Kubernetes' `IsPodAvailable`):
 * with 0 any ready pod is available; otherwise the Ready condition's
 * lastTransitionTime must be that far in the past.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Phase Succeeded or Failed: the pod will never run again. */
export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Neither terminal nor being deleted: it counts toward a controller's replicas. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

/** The owner reference with `controller: true`, if any (at most one is allowed). */
export function controllerRef(obj: { metadata?: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Resource amounts in base units: cpu in millicores, everything else in whole units (bytes, count). */
export type ResourceAmounts = Record<string, number>;

function addInto(total: ResourceAmounts, name: string, amount: number): void {
  setOwn(total, name, (getOwn(total, name) ?? 0) + amount);
}

/** `cpu` as millicores, other resources as whole units; unparsable values count as 0. */
export function resourceAmount(name: string, value: string | number): number {
  try {
    const q = parseQuantity(value);
    return name === 'cpu' ? q.milliValue() : q.value();
  } catch {
    return 0;
  }
}

/** Parses a resource list (`{cpu: "250m", memory: "64Mi"}`) into base units. */
export function resourceAmounts(list: Record<string, string | number> | undefined): ResourceAmounts {
  const out: ResourceAmounts = {};
  for (const [name, value] of Object.entries(list ?? {})) addInto(out, name, resourceAmount(name, value));
  return out;
}

/**
 * What a pod asks of a node (Kubernetes' `PodRequests`): the sum over app
 * containers, raised to any single init container's request (they run one at
 * a time before the app containers), plus `spec.overhead`. A container with a
 * limit but no request requests its limit, as API defaulting would make it.
 */
export function podRequests(pod: Pod): ResourceAmounts {
  const spec = pod.spec;
  const total: ResourceAmounts = {};
  const requestsOf = (c: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }) => ({
    ...resourceAmounts(c.resources?.limits),
    ...resourceAmounts(c.resources?.requests),
  });
  for (const c of spec?.containers ?? []) {
    for (const [name, amount] of Object.entries(requestsOf(c))) addInto(total, name, amount);
  }
  for (const c of spec?.initContainers ?? []) {
    for (const [name, amount] of Object.entries(requestsOf(c))) {
      if (amount > (getOwn(total, name) ?? 0)) setOwn(total, name, amount);
    }
  }
  for (const [name, amount] of Object.entries(resourceAmounts(spec?.overhead as Record<string, string> | undefined))) addInto(total, name, amount);
  return total;
}
