/**
 * The arithmetic of rollouts (Kubernetes' `deployment_util.go` and the
 * scaling parts of `rolling.go` / `sync.go`), as pure functions over cached
 * objects: how far a rollout may surge and how much it may leave
 * unavailable, how big the new ReplicaSet may grow, which old ReplicaSets may
 * shrink, and how a resize is spread across ReplicaSets mid-rollout.
 *
 * Two deliberate differences make our rollouts stricter under lagging
 * ReplicaSet status (the two controllers run concurrently): the pod count a
 * ReplicaSet stands for is the larger of its spec and its last reported
 * status, and its available pods never count for more than its spec.
 */
import type { Deployment, ReplicaSet } from '@mk8s/api';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, intAnnotation } from './annotations.js';

export type IntOrPercent = number | string | undefined;

/** `value` as an absolute number against `total`: percentages round up (`roundUp`) or down. Malformed values count as 0. */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return Math.max(0, Math.trunc(value));
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    const n = Number(value);
    return Number.isInteger(n) && n >= 0 ? n : 0;
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * maxSurge (rounded up) and maxUnavailable (rounded down) against `desired`.
 * Both 0 would let no rollout move, so unavailable becomes 1 (validation
 * rejects that combination, but percentages can still round to it).
 */
export function resolveFenceposts(maxSurge: IntOrPercent, maxUnavailable: IntOrPercent, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge ?? '25%', ru?.maxUnavailable ?? '25%', desiredReplicas(d));
}

/** Pods the rollout may run above the desired count; 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

/** Pods the rollout may leave unavailable (never more than desired); 0 for Recreate or no replicas. */
export function maxUnavailable(d: Deployment): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(fenceposts(d).unavailable, desired);
}

export function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

/** The pods `rs` may have: its spec, or more while its status still reports pods being removed. */
export function podsAccountedFor(rs: ReplicaSet): number {
  return Math.max(specReplicas(rs), rs.status?.replicas ?? 0);
}

/** Available pods of `rs` that still count: never more than its spec (stale status after a scale-down). */
export function availableOf(rs: ReplicaSet): number {
  return Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs));
}

export function sum(rss: readonly (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number): number {
  return rss.reduce((acc, rs) => acc + (rs ? f(rs) : 0), 0);
}

/** ReplicaSets with pods wanted (spec.replicas > 0). */
export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

function created(rs: ReplicaSet): number {
  const t = Date.parse(rs.metadata?.creationTimestamp ?? '');
  return Number.isFinite(t) ? t : 0;
}

/** Oldest first; ties by name, so the order is total. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/**
 * The size the new ReplicaSet should have now (Kubernetes' `NewRSNewReplicas`):
 * for RollingUpdate, grow by what the surge allows on top of every
 * ReplicaSet's pods, never past the desired count; for Recreate, the desired count.
 */
export function newReplicaSetSize(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d)) return desired;
  const current = sum(allRSs, podsAccountedFor);
  const maxTotal = desired + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, desired - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, scaleUp);
}

/**
 * New sizes for old ReplicaSets in a rolling update (Kubernetes'
 * `reconcileOldReplicaSets`): first shed their unavailable pods, oldest
 * ReplicaSet first, then scale down available ones while at least
 * `desired - maxUnavailable` pods stay available across all ReplicaSets.
 * Returns only the ReplicaSets whose size changes, by name.
 */
export function rollingScaleDown(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Map<string, number> {
  const result = new Map<string, number>();
  const olds = [...oldRSs].sort(byCreation);
  const size = new Map(olds.map((rs) => [rs.metadata?.name ?? '', specReplicas(rs)]));
  const oldPods = sum(olds, specReplicas);
  if (oldPods === 0) return result;
  const allPods = oldPods + specReplicas(newRS);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS ? availableOf(newRS) : 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return result;

  let cleaned = 0;
  for (const rs of olds) {
    if (cleaned >= maxScaledDown) break;
    const name = rs.metadata?.name ?? '';
    const unhealthy = specReplicas(rs) - availableOf(rs);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    size.set(name, specReplicas(rs) - down);
    cleaned += down;
  }

  const available = sum(olds, availableOf) + (newRS ? availableOf(newRS) : 0);
  if (available > minAvailable) {
    const total = available - minAvailable;
    let scaled = 0;
    for (const rs of olds) {
      if (scaled >= total) break;
      const name = rs.metadata?.name ?? '';
      const current = size.get(name) ?? 0;
      if (current === 0) continue;
      const down = Math.min(current, total - scaled);
      size.set(name, current - down);
      scaled += down;
    }
  }
  for (const rs of olds) {
    const name = rs.metadata?.name ?? '';
    if (size.get(name) !== specReplicas(rs)) result.set(name, size.get(name)!);
  }
  return result;
}

/**
 * Whether the Deployment was resized since its ReplicaSets were last scaled
 * (an active ReplicaSet's desired-replicas annotation disagrees with spec.replicas).
 */
export function isScalingEvent(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[]): boolean {
  return activeReplicaSets(allRSs).some((rs) => {
    const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
    return desired !== undefined && desired !== desiredReplicas(d);
  });
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * New sizes for every active ReplicaSet when a Deployment is resized in the
 * middle of a rollout (Kubernetes' proportional scaling in `sync.go#scale`):
 * the change is split in proportion to each ReplicaSet's share of the size it
 * was last scaled for (max-replicas annotation), and what rounding leaves
 * over goes to the largest. Returns the sizes by name, for active ReplicaSets only.
 */
export function proportionalSizes(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Map<string, number> {
  const desired = desiredReplicas(d);
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowed = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowed - sum(all, specReplicas);
  const sizes = new Map(all.map((rs) => [rs.metadata?.name ?? '', specReplicas(rs)]));
  if (toAdd === 0 || all.length === 0) return sizes;
  // Growing: largest first, newer first on ties; shrinking: largest first, older first on ties.
  all.sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  let added = 0;
  for (const rs of all) {
    const name = rs.metadata?.name ?? '';
    let proportion = 0;
    if (added !== toAdd) {
      let fraction: number;
      if (desired === 0) {
        fraction = -specReplicas(rs);
      } else {
        const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
        fraction = annotated > 0 ? roundHalfAway((specReplicas(rs) * allowed) / annotated) - specReplicas(rs) : 0;
      }
      const room = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, room) : Math.max(fraction, room);
    }
    sizes.set(name, specReplicas(rs) + proportion);
    added += proportion;
  }
  const first = all[0]!.metadata?.name ?? '';
  sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + (toAdd - added)));
  return sizes;
}
