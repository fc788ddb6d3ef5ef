/**
 * From the metrics' proposal to the replica count the HPA sets (Kubernetes'
 * normalizeDesiredReplicas and normalizeDesiredReplicasWithBehaviors, our own
 * code): stabilization over the recent recommendations, then the limits of
 * the scaling rules and of min/max replicas, with the AbleToScale and
 * ScalingLimited conditions that explain the outcome.
 *
 * - Without `spec.behavior`: the highest recommendation of the last
 *   downscale stabilization window (default 300 s) is used, and a scale-up
 *   goes at most to max(2 * current, 4).
 * - With `spec.behavior` (defaulted by the API server): scale-up takes the
 *   lowest recommendation within `scaleUp.stabilizationWindowSeconds`,
 *   scale-down the highest within `scaleDown.stabilizationWindowSeconds`
 *   (default 300 s); the change is bounded by the policies (Pods or Percent
 *   per `periodSeconds`, counting the changes already made in that period),
 *   combined by `selectPolicy` (Max = the policy allowing the biggest change,
 *   Min = the smallest, Disabled = no change in that direction).
 *
 * `Recommendations` and `ScaleEvents` are the per-HPA memory the controller
 * keeps between syncs (lost on restart, as in Kubernetes).
 */
import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from '@mk8s/api';

export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 300_000;

export interface Recommendation {
  timestampMs: number;
  replicas: number;
}

export interface ScaleEvent {
  timestampMs: number;
  change: number;
}

export interface HpaMemory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export const newMemory = (): HpaMemory => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });

export interface ConditionUpdate {
  type: 'AbleToScale' | 'ScalingLimited';
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  conditions: ConditionUpdate[];
}

export interface NormalizeArgs {
  currentReplicas: number;
  /** What the metrics ask for. */
  proposed: number;
  minReplicas: number;
  maxReplicas: number;
  behavior?: HorizontalPodAutoscalerBehavior;
  /** Used when there is no behavior, or its scaleDown has no window (`--horizontal-pod-autoscaler-downscale-stabilization`). */
  downscaleStabilizationMs?: number;
  nowMs: number;
}

const WITHIN = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

function limitedCondition(replicas: number, wanted: number, reason: string, message: string): ConditionUpdate {
  return replicas === wanted ? { type: 'ScalingLimited', status: 'False', ...WITHIN } : { type: 'ScalingLimited', status: 'True', reason, message };
}

/** Changes within the last `periodSeconds` (events older than every period are dropped by `prune`). */
function changeInPeriod(events: readonly ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const since = nowMs - periodSeconds * 1000;
  return events.filter((e) => e.timestampMs > since).reduce((n, e) => n + e.change, 0);
}

export function scaleUpLimit(current: number, events: readonly ScaleEvent[], rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? Infinity : -Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(events, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

export function scaleDownLimit(current: number, events: readonly ScaleEvent[], rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  // Max = the policy that allows removing the most pods = the lowest count.
  let result = pickMin ? -Infinity : Infinity;
  for (const p of rules.policies ?? []) {
    const start = current + changeInPeriod(events, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pickMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

/** Forgets recommendations older than `keepMs` and events older than the longest policy period. */
function prune(memory: HpaMemory, keepMs: number, behavior: HorizontalPodAutoscalerBehavior | undefined, nowMs: number): void {
  memory.recommendations = memory.recommendations.filter((r) => r.timestampMs >= nowMs - keepMs);
  const longest = (rules: HPAScalingRules | undefined) => Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds)) * 1000;
  memory.scaleUpEvents = memory.scaleUpEvents.filter((e) => e.timestampMs > nowMs - longest(behavior?.scaleUp));
  memory.scaleDownEvents = memory.scaleDownEvents.filter((e) => e.timestampMs > nowMs - longest(behavior?.scaleDown));
}

/** Normalizes `args.proposed` and records it in `memory`. */
export function normalizeReplicas(args: NormalizeArgs, memory: HpaMemory): Normalized {
  return args.behavior ? withBehavior(args, args.behavior, memory) : withoutBehavior(args, memory);
}

function stabilizedCondition(stabilized: number, proposed: number, up: boolean): ConditionUpdate {
  if (stabilized === proposed) return { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
  return up
    ? {
        type: 'AbleToScale',
        status: 'True',
        reason: 'ScaleUpStabilized',
        message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
      }
    : {
        type: 'AbleToScale',
        status: 'True',
        reason: 'ScaleDownStabilized',
        message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
      };
}

function withoutBehavior(args: NormalizeArgs, memory: HpaMemory): Normalized {
  const windowMs = args.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS;
  prune(memory, windowMs, undefined, args.nowMs);
  let stabilized = args.proposed;
  for (const r of memory.recommendations) if (r.timestampMs > args.nowMs - windowMs) stabilized = Math.max(stabilized, r.replicas);
  memory.recommendations.push({ timestampMs: args.nowMs, replicas: args.proposed });
  const able = stabilizedCondition(stabilized, args.proposed, false);

  const upLimit = Math.max(2 * args.currentReplicas, 4);
  let maxAllowed: number;
  let limit: [string, string];
  if (args.maxReplicas > upLimit) {
    maxAllowed = upLimit;
    limit = ['ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate'];
  } else {
    maxAllowed = args.maxReplicas;
    limit = ['TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
  }
  let replicas = stabilized;
  if (stabilized < args.minReplicas) {
    replicas = args.minReplicas;
    limit = ['TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
  } else if (stabilized > maxAllowed) {
    replicas = maxAllowed;
  }
  return { replicas, conditions: [able, limitedCondition(replicas, stabilized, ...limit)] };
}

function withBehavior(args: NormalizeArgs, behavior: HorizontalPodAutoscalerBehavior, memory: HpaMemory): Normalized {
  const upWindowMs = (behavior.scaleUp?.stabilizationWindowSeconds ?? 0) * 1000;
  const downSeconds = behavior.scaleDown?.stabilizationWindowSeconds;
  const downWindowMs = downSeconds !== undefined ? downSeconds * 1000 : (args.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS);
  prune(memory, Math.max(upWindowMs, downWindowMs), behavior, args.nowMs);

  let up = args.proposed;
  let down = args.proposed;
  for (const r of memory.recommendations) {
    if (r.timestampMs > args.nowMs - upWindowMs) up = Math.min(up, r.replicas);
    if (r.timestampMs > args.nowMs - downWindowMs) down = Math.max(down, r.replicas);
  }
  memory.recommendations.push({ timestampMs: args.nowMs, replicas: args.proposed });
  // Up to the lowest recent proposal at most, down to the highest at least.
  let stabilized = args.currentReplicas;
  if (stabilized < up) stabilized = up;
  if (stabilized > down) stabilized = down;
  const able = stabilizedCondition(stabilized, args.proposed, args.proposed > args.currentReplicas);

  let replicas = stabilized;
  let limit: [string, string] = [WITHIN.reason, WITHIN.message];
  if (stabilized > args.currentReplicas) {
    const rules = behavior.scaleUp ?? {};
    const upLimit = Math.max(args.currentReplicas, scaleUpLimit(args.currentReplicas, memory.scaleUpEvents, rules, args.nowMs));
    let maxAllowed = args.maxReplicas;
    if (maxAllowed > upLimit) {
      maxAllowed = upLimit;
      limit = ['ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate'];
    } else {
      limit = ['TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    }
    if (stabilized > maxAllowed) replicas = maxAllowed;
  } else if (stabilized < args.currentReplicas) {
    const rules = behavior.scaleDown ?? {};
    const downLimit = Math.min(args.currentReplicas, scaleDownLimit(args.currentReplicas, memory.scaleDownEvents, rules, args.nowMs));
    let minAllowed = args.minReplicas;
    if (minAllowed < downLimit) {
      minAllowed = downLimit;
      limit = ['ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate'];
    } else {
      limit = ['TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    }
    if (stabilized < minAllowed) replicas = minAllowed;
  }
  return { replicas, conditions: [able, limitedCondition(replicas, stabilized, ...limit)] };
}

/** Records a rescale for the rate policies (only HPAs with a behavior use them). */
export function recordScaleEvent(memory: HpaMemory, from: number, to: number, nowMs: number): void {
  if (to > from) memory.scaleUpEvents.push({ timestampMs: nowMs, change: to - from });
  else if (to < from) memory.scaleDownEvents.push({ timestampMs: nowMs, change: from - to });
}
