/**
 * Which pods a controller deletes first when it has too many: a simplified
 * form of Kubernetes' `ActivePods` ordering. Pods that cost least to lose come
 * first: unscheduled before scheduled, Pending before Unknown before Running,
 * not ready before ready, ready for less time before ready longer, more
 * container restarts before fewer, and finally newer before older.
 */
import { isPodReady, podCondition, type Pod } from '@mk8s/api';

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function time(ts: string | undefined): number {
  const t = ts ? Date.parse(ts) : NaN;
  return Number.isFinite(t) ? t : 0;
}

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((max, c) => Math.max(max, c.restartCount ?? 0), 0);
}

/** Array.sort comparator: negative when `a` should be deleted before `b`. Pure; never changes the pods. */
export function compareForDeletion(a: Pod, b: Pod): number {
  const assignedA = a.spec?.nodeName ? 1 : 0;
  const assignedB = b.spec?.nodeName ? 1 : 0;
  if (assignedA !== assignedB) return assignedA - assignedB;
  const phaseA = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const phaseB = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a) ? 1 : 0;
  const readyB = isPodReady(b) ? 1 : 0;
  if (readyA !== readyB) return readyA - readyB;
  if (readyA === 1) {
    // Ready more recently first: it has proven itself for less time.
    const since = time(podCondition(b, 'Ready')?.lastTransitionTime) - time(podCondition(a, 'Ready')?.lastTransitionTime);
    if (since !== 0) return since;
  }
  const r = restarts(b) - restarts(a);
  if (r !== 0) return r;
  return time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp);
}

/** The `count` pods to delete first out of `pods` (a new array; the input is not reordered). */
export function podsToDelete(pods: readonly Pod[], count: number): Pod[] {
  if (count <= 0) return [];
  return [...pods].sort(compareForDeletion).slice(0, count);
}
