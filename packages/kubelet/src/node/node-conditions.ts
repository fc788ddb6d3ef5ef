/**
 * The node conditions the kubelet owns (Kubernetes' nodestatus setters):
 * MemoryPressure, DiskPressure and PIDPressure (always False here: mk8s does
 * no eviction) and Ready, which follows the container runtime. Pure.
 */
import { metaTime, type NodeCondition } from '@mk8s/api';

/** What the runtime check answers: Ready is True exactly when `ready`. */
export interface Readiness {
  ready: boolean;
  /** Why not, for Ready's message. */
  message?: string;
}

/** Asked before every status computation; the kubelet passes a CRI Status check (see `criRuntimeReadiness`). */
export type RuntimeReadyFn = () => Promise<Readiness>;

/** The types this kubelet writes, in Kubernetes' order. Others' conditions (e.g. NetworkUnavailable) are kept as they are. */
export const KUBELET_CONDITION_TYPES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'] as const;

type Desired = Pick<NodeCondition, 'type' | 'status' | 'reason' | 'message'>;

function desiredConditions(readiness: Readiness): Desired[] {
  return [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    readiness.ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: readiness.message || 'container runtime is not ready' },
  ];
}

/**
 * The conditions to write at `nowMs`, given what the Node has now
 * (`previous`): every kubelet condition gets `lastHeartbeatTime` = now;
 * `lastTransitionTime` moves to now only when the status differs from the
 * previous one (or there was none). Conditions of other types are kept
 * untouched and in place; missing kubelet conditions are appended in
 * KUBELET_CONDITION_TYPES order.
 */
export function nodeConditions(readiness: Readiness, nowMs: number, previous: readonly NodeCondition[] = []): NodeCondition[] {
  const now = metaTime(nowMs);
  const ours = new Map<string, NodeCondition>();
  for (const d of desiredConditions(readiness)) {
    const prev = previous.find((c) => c.type === d.type);
    const lastTransitionTime = prev && prev.status === d.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    ours.set(d.type, { type: d.type, status: d.status, lastHeartbeatTime: now, lastTransitionTime, reason: d.reason!, message: d.message! });
  }
  const out = previous.map((c) => ours.get(c.type) ?? { ...c });
  for (const type of KUBELET_CONDITION_TYPES) {
    if (!previous.some((c) => c.type === type)) out.push(ours.get(type)!);
  }
  return out;
}
