/**
 * Node health bookkeeping (Kubernetes' `nodeHealthData` and
 * `tryUpdateNodeHealth`): when did a node last show a sign of life, which
 * conditions does it get once it has been silent past the grace period, and
 * which taints follow from its Ready condition. Pure functions; inputs are
 * never changed.
 *
 * Signs of life are compared against this controller's own clock, never the
 * kubelet's: a node is alive when its Lease `renewTime` or its Ready
 * condition's `lastHeartbeatTime` *changed* since the last look, which keeps
 * clock skew between machines out of the decision (as Kubernetes does).
 */
import { metaTime, type Lease, type Node, type NodeCondition, type Taint } from '@mk8s/api';
import { NO_EXECUTE, NO_SCHEDULE, TAINT_NOT_READY, TAINT_UNREACHABLE, sameTaint } from './taints.js';

/** The conditions the controller turns Unknown when the kubelet falls silent. */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export const REASON_STATUS_UNKNOWN = 'NodeStatusUnknown';
export const REASON_NEVER_UPDATED = 'NodeStatusNeverUpdated';
export const MESSAGE_STOPPED_POSTING = 'Kubelet stopped posting node status.';
export const MESSAGE_NEVER_POSTED = 'Kubelet never posted node status.';

export interface NodeHealth {
  /** This controller's clock when the node last showed a sign of life (or was first seen). */
  probeTimestamp: number;
  readyHeartbeat: string | undefined;
  readyStatus: string | undefined;
  leaseRenewTime: string | undefined;
}

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/**
 * The health record after looking at `node` and its `lease` at `now`. A node
 * seen for the first time (also after a controller restart) starts a fresh
 * grace period, so a restart never marks a healthy node Unknown.
 */
export function observeHealth(prev: NodeHealth | undefined, node: Node, lease: Lease | undefined, now: number): NodeHealth {
  const ready = readyCondition(node);
  const next: NodeHealth = {
    probeTimestamp: prev?.probeTimestamp ?? now,
    readyHeartbeat: ready?.lastHeartbeatTime,
    readyStatus: ready?.status,
    leaseRenewTime: lease?.spec?.renewTime,
  };
  if (!prev) return next;
  const heartbeat = ready?.lastHeartbeatTime !== undefined && ready.lastHeartbeatTime !== prev.readyHeartbeat;
  const renewed = next.leaseRenewTime !== undefined && next.leaseRenewTime !== prev.leaseRenewTime;
  // A status the kubelet (not this controller, which only writes Unknown) changed is news from the node.
  const statusNews = ready !== undefined && ready.status !== prev.readyStatus && ready.status !== 'Unknown';
  if (heartbeat || renewed || statusNews) next.probeTimestamp = now;
  return next;
}

/**
 * The node's conditions once it has been silent past the grace period:
 * every monitored condition Unknown (kept heartbeat, new transition time),
 * missing ones added as never posted. Undefined when nothing would change,
 * so a converged node is never rewritten.
 */
export function unknownConditions(node: Node, now: number): NodeCondition[] | undefined {
  const current = node.status?.conditions ?? [];
  const out: NodeCondition[] = current.map((c) => ({ ...c }));
  const nowStr = metaTime(now);
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const i = out.findIndex((c) => c.type === type);
    if (i < 0) {
      out.push({
        type,
        status: 'Unknown',
        reason: REASON_NEVER_UPDATED,
        message: MESSAGE_NEVER_POSTED,
        lastHeartbeatTime: node.metadata?.creationTimestamp || undefined,
        lastTransitionTime: nowStr,
      });
      changed = true;
    } else if (out[i]!.status !== 'Unknown') {
      out[i] = { ...out[i]!, status: 'Unknown', reason: REASON_STATUS_UNKNOWN, message: MESSAGE_STOPPED_POSTING, lastTransitionTime: nowStr };
      changed = true;
    }
  }
  return changed ? out : undefined;
}

/** The taints the controller owns for a Ready status: unreachable for Unknown, not-ready for False, none for True. */
function controllerTaintsFor(readyStatus: string | undefined): Taint[] {
  const key = readyStatus === 'Unknown' ? TAINT_UNREACHABLE : readyStatus === 'False' ? TAINT_NOT_READY : undefined;
  return key
    ? [
        { key, effect: NO_SCHEDULE },
        { key, effect: NO_EXECUTE },
      ]
    : [];
}

const OWNED_KEYS = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY]);

/**
 * The node's full taint list as it should be: other taints untouched; the
 * not-ready/unreachable NoSchedule and NoExecute taints matching its Ready
 * condition (a node without one keeps what it has until it turns Unknown).
 * A taint already present keeps its `timeAdded`; new ones get `now`.
 */
export function desiredTaints(node: Node, now: number): Taint[] {
  const current = node.spec?.taints ?? [];
  const ready = readyCondition(node);
  if (!ready) return current;
  const want = controllerTaintsFor(ready.status);
  const kept = current.filter((t) => !OWNED_KEYS.has(t.key) || want.some((w) => sameTaint(w, t)));
  for (const w of want) {
    if (!kept.some((t) => sameTaint(t, w))) kept.push(w.effect === NO_EXECUTE ? { ...w, timeAdded: metaTime(now) } : w);
  }
  return kept;
}

/** Same taints in the same order, by key, value and effect. */
export function taintsEqual(a: readonly Taint[], b: readonly Taint[]): boolean {
  return a.length === b.length && a.every((t, i) => sameTaint(t, b[i]!) && (t.value ?? '') === (b[i]!.value ?? ''));
}
