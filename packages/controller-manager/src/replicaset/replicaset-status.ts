/**
 * The status a ReplicaSet should report, computed from the active pods it
 * controls (Kubernetes' `calculateStatus`), and whether it differs from what
 * is stored. Pure functions: the controller writes the result through
 * `replicasets/status` only when `statusChanged` says so.
 */
import {
  deepEqual,
  isPodAvailable,
  metaTime,
  isPodReady,
  podCondition,
  selectorFromSet,
  type Pod,
  type ReplicaSet,
  type ReplicaSetCondition,
  type ReplicaSetStatus,
} from '@mk8s/api';

export const REPLICA_FAILURE = 'ReplicaFailure';

/** Why the last attempt to converge failed: the ReplicaFailure condition's reason and message. */
export interface ManageFailure {
  reason: 'FailedCreate' | 'FailedDelete';
  message: string;
}

/**
 * `pods` are the active pods `rs` controls. A failure adds a ReplicaFailure
 * condition (kept as first reported while failures continue); a sync without
 * failure removes it.
 */
export function calculateReplicaSetStatus(rs: ReplicaSet, pods: readonly Pod[], failure: ManageFailure | undefined, nowMs: number): ReplicaSetStatus {
  const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels ?? {});
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    }
  }
  let conditions = [...(rs.status?.conditions ?? [])];
  const existing = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (failure && !existing) {
    const cond: ReplicaSetCondition = {
      type: REPLICA_FAILURE,
      status: 'True',
      lastTransitionTime: metaTime(nowMs),
      reason: failure.reason,
      message: failure.message,
    };
    conditions.push(cond);
  } else if (!failure && existing) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? 0,
    conditions: conditions.length > 0 ? conditions : undefined,
  };
}

/** Whether `next` differs from the stored status in anything the controller owns. */
export function replicaSetStatusChanged(current: ReplicaSetStatus | undefined, next: ReplicaSetStatus): boolean {
  const c = current ?? { replicas: 0 };
  return (
    (c.replicas ?? 0) !== next.replicas ||
    (c.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (c.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (c.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (c.observedGeneration ?? 0) !== (next.observedGeneration ?? 0) ||
    !deepEqual(c.conditions ?? [], next.conditions ?? [])
  );
}

/**
 * Milliseconds until the first of `pods` that is ready but not yet available
 * becomes available under `minReadySeconds`, or undefined when none is
 * waiting. The controller re-syncs then, since no event marks that moment.
 */
export function nextAvailabilityCheckMs(pods: readonly Pod[], minReadySeconds: number, nowMs: number): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, nowMs)) continue;
    const since = Date.parse(podCondition(pod, 'Ready')?.lastTransitionTime ?? '');
    const wait = Number.isFinite(since) ? Math.max(0, since + minReadySeconds * 1000 - nowMs) : minReadySeconds * 1000;
    next = next === undefined ? wait : Math.min(next, wait);
  }
  return next;
}
