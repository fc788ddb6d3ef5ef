/**
 * Deployment status and conditions (Kubernetes' `deployment_util.go` and
 * `progress.go`): the counts `kubectl rollout status` reads, the Available
 * condition, and the Progressing condition with its deadline. Pure functions.
 */
import { deepEqual, metaTime, type Deployment, type DeploymentCondition, type DeploymentStatus, type ReplicaSet } from '@mk8s/api';
import { availableOf, desiredReplicas, maxUnavailable, specReplicas, sum } from './replica-math.js';

export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const REPLICA_FAILURE = 'ReplicaFailure';

/** Reasons of the Progressing and Available conditions, as Kubernetes names them. */
export const Reason = {
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  DeploymentPaused: 'DeploymentPaused',
  DeploymentResumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  FailedCreate: 'ReplicaSetCreateError',
} as const;

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, nowMs: number): DeploymentCondition {
  const t = metaTime(nowMs);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Sets `cond` in `status` (Kubernetes' `SetDeploymentCondition`): unchanged if
 * one with the same status and reason exists; the transition time is kept
 * when only the reason changes.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next = { ...cond };
  if (current && current.status === cond.status && current.lastTransitionTime) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** Kubernetes treats an unset or MaxInt32 progressDeadlineSeconds as "no deadline". */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}

/**
 * The counts of the Deployment's status from its ReplicaSets, plus the
 * Available condition; other conditions are carried over from `d`.
 */
export function calculateStatus(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment, nowMs: number): DeploymentStatus {
  const available = sum(allRSs, availableOf);
  const total = sum(allRSs, specReplicas);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: sum(allRSs, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(allRSs, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    collisionCount: d.status?.collisionCount,
    conditions: structuredClone(d.status?.conditions),
  };
  // The API server rejects available > ready or > replicas; stale RS statuses can briefly disagree.
  status.availableReplicas = Math.min(status.availableReplicas ?? 0, status.readyReplicas ?? 0, status.replicas ?? 0);
  if ((status.availableReplicas ?? 0) >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', nowMs));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowMs));
  }
  return status;
}

/** Every pod is updated and available and nothing old is left (Kubernetes' `DeploymentComplete`). */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** Something moved since the stored status: more updated, ready or available pods, or fewer old ones. */
export function deploymentProgressing(d: Deployment, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** The Progressing condition has not been updated for longer than the deadline. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, PROGRESSING);
  if (!cond) return false;
  if (cond.reason === Reason.NewReplicaSetAvailable) return false;
  if (cond.reason === Reason.ProgressDeadlineExceeded) return true;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  if (!Number.isFinite(from)) return false;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}

/**
 * Updates the Progressing and ReplicaFailure conditions of `status` for a
 * rolling or recreating Deployment (Kubernetes' `syncRolloutStatus`).
 */
export function updateProgressConditions(
  d: Deployment,
  status: DeploymentStatus,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  nowMs: number,
): void {
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(status, PROGRESSING);
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reason.NewReplicaSetAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const rsName = newRS?.metadata?.name ?? '';
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition(PROGRESSING, 'True', Reason.NewReplicaSetAvailable, `ReplicaSet "${rsName}" has successfully progressed.`, nowMs));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata?.name ?? ''}" is progressing.`;
      const cond = newCondition(PROGRESSING, 'True', Reason.ReplicaSetUpdated, msg, nowMs);
      // Progress refreshes lastUpdateTime (the deadline's clock) even when the reason stays the same.
      if (current?.status === 'True' && current.lastTransitionTime) cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, PROGRESSING);
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, nowMs)) {
      const msg = newRS ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata?.name ?? ''}" has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, 'False', Reason.ProgressDeadlineExceeded, msg, nowMs));
    }
  }
  const failure = allRSs.flatMap((rs) => rs.status?.conditions ?? []).find((c) => c.type === REPLICA_FAILURE);
  if (failure) {
    setCondition(status, {
      type: REPLICA_FAILURE,
      status: failure.status,
      reason: failure.reason ?? '',
      message: failure.message ?? '',
      lastUpdateTime: metaTime(nowMs),
      lastTransitionTime: failure.lastTransitionTime ?? metaTime(nowMs),
    });
  } else {
    removeCondition(status, REPLICA_FAILURE);
  }
}

/**
 * Milliseconds until the Progressing condition would pass its deadline, when
 * a re-check is due (Kubernetes' `requeueStuckDeployment`); undefined when
 * there is nothing to wait for.
 */
export function progressRecheckMs(d: Deployment, status: DeploymentStatus, nowMs: number): number | undefined {
  const cond = getCondition(status, PROGRESSING);
  if (!hasProgressDeadline(d) || !cond || deploymentComplete(d, status) || cond.reason === Reason.ProgressDeadlineExceeded) return undefined;
  if (cond.reason === Reason.NewReplicaSetAvailable) return undefined;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  if (!Number.isFinite(from)) return undefined;
  return Math.max(0, from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - nowMs);
}

/** Status equality for "write only when changed" (key order does not matter). */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus | undefined) => ({
    observedGeneration: s?.observedGeneration ?? 0,
    replicas: s?.replicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    unavailableReplicas: s?.unavailableReplicas ?? 0,
    collisionCount: s?.collisionCount ?? 0,
    conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '', c.lastUpdateTime ?? '', c.lastTransitionTime ?? '']),
  });
  return deepEqual(norm(a), norm(b));
}
