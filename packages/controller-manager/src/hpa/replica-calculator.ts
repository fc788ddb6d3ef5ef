/**
 * The HPA's replica arithmetic for resource metrics, after Kubernetes'
 * `pkg/controller/podautoscaler/replica_calculator.go` (our own code):
 *
 *   desired = ceil(currentMetric / target * readyPods), unchanged within the tolerance (10%).
 *
 * Pods are grouped first: deleted and failed pods are ignored; pending pods,
 * and for CPU pods not (long enough) ready, are "unready"; pods without a
 * metric are "missing". The ratio is computed over the ready pods with
 * metrics. Then, to avoid flapping, the ratio is recomputed conservatively:
 * on a scale-up, unready pods count as using 0 and missing pods as using 0;
 * on a scale-down, missing pods count as using 100% of their request (or of
 * the target, whichever is larger). If that changes the direction or lands
 * within the tolerance, nothing changes.
 *
 * Pure: quantities are numbers in milli-units (millicores, milli-bytes), as
 * Kubernetes computes them; time is `nowMs`.
 */
import { podCondition, resourceAmount, type Pod } from '@mk8s/api';

export const DEFAULT_TOLERANCE = 0.1;
/** A CPU sample taken within this of a pod's start may include start-up burn (Kubernetes' default 5 min). */
export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** A pod that turned unready within this of its start is treated as never having been ready (Kubernetes' 30 s). */
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

/** One pod's usage of one resource (milli-units), with the metric's sample time and window. */
export interface PodMetric {
  value: number;
  timestampMs: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalcOptions {
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
  nowMs: number;
}

/** Thrown when no replica count can be computed; `reason` is Kubernetes' condition reason. */
export class ReplicaCalcError extends Error {
  constructor(
    message: string,
    readonly reason = 'FailedGetResourceMetric',
  ) {
    super(message);
    this.name = 'ReplicaCalcError';
  }
}

export interface ReplicaProposal {
  replicas: number;
  /** Utilization in percent (Utilization targets) or the average value in milli-units (AverageValue targets). */
  utilization: number;
  /** Average usage per pod, milli-units. */
  rawAverage: number;
  /** When the metrics were taken (the oldest sample used). */
  timestampMs: number;
}

interface PodGroups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const time = (s: string | undefined) => (s ? Date.parse(s) : NaN);

/** Kubernetes' groupPods: which pods count, which are unready, missing or ignored. */
export function groupPods(pods: readonly Pod[], metrics: PodMetrics, resource: string, opts: CalcOptions): PodGroups {
  const cpuInit = opts.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS;
  const readinessDelay = opts.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS;
  const g: PodGroups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = podCondition(pod, 'Ready');
      const start = time(pod.status?.startTime);
      let unready: boolean;
      if (!ready || Number.isNaN(start)) {
        unready = true;
      } else {
        const transition = time(ready.lastTransitionTime);
        if (start + cpuInit > opts.nowMs) {
          // Still possibly initializing: the sample must be from after it became ready.
          unready = ready.status === 'False' || (!Number.isNaN(transition) && metric.timestampMs < transition + metric.windowMs);
        } else {
          // Unready for good only if it never became ready after starting.
          unready = ready.status === 'False' && !Number.isNaN(transition) && start + readinessDelay > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** Sum of the pods' container requests of `resource` (milli-units); every container must request it. */
export function podRequests(pods: readonly Pod[], resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let total = 0;
    for (const c of pod.spec?.containers ?? []) {
      const req = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
      if (req === undefined) {
        throw new ReplicaCalcError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`, 'FailedGetResourceMetric');
      }
      // resourceAmount gives millicores for cpu, units otherwise: scale to milli-units.
      total += resource === 'cpu' ? resourceAmount('cpu', req) : resourceAmount(resource, req) * 1000;
    }
    out.set(pod.metadata?.name ?? '', total);
  }
  return out;
}

/** Usage/request over the pods with metrics: [ratio to target, utilization %, raw average]. */
function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, targetUtilization: number): [number, number, number] {
  let usage = 0;
  let requested = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    usage += m.value;
    requested += r;
    n++;
  }
  if (n === 0) throw new ReplicaCalcError('no metrics returned matched known pods');
  if (requested === 0) throw new ReplicaCalcError('no pods had a non-zero request');
  const utilization = Math.trunc((usage * 100) / requested);
  return [utilization / targetUtilization, utilization, Math.trunc(usage / n)];
}

function averageRatio(metrics: PodMetrics, target: number): [number, number] {
  let usage = 0;
  for (const m of metrics.values()) usage += m.value;
  const average = usage / metrics.size;
  return [average / target, Math.trunc(average)];
}

function oldest(metrics: PodMetrics): number {
  let t = Infinity;
  for (const m of metrics.values()) t = Math.min(t, m.timestampMs);
  return Number.isFinite(t) ? t : 0;
}

interface Target {
  kind: 'Utilization' | 'AverageValue';
  /** Percent for Utilization, milli-units for AverageValue. */
  value: number;
}

/**
 * The replica count `resource`'s metrics ask for. `metrics` is taken over (pods
 * not counted are removed). Throws ReplicaCalcError when nothing can be said.
 */
export function calcResourceReplicas(
  currentReplicas: number,
  target: Target,
  resource: string,
  pods: readonly Pod[],
  fetched: PodMetrics,
  opts: CalcOptions,
): ReplicaProposal {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  if (fetched.size === 0) throw new ReplicaCalcError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
  if (pods.length === 0) throw new ReplicaCalcError('no pods returned by selector while calculating replica count', 'FailedGetResourceMetric');
  const metrics: PodMetrics = new Map(fetched);
  const groups = groupPods(pods, metrics, resource, opts);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  // Metrics of pods the selector no longer covers do not count either.
  const known = new Set(pods.map((p) => p.metadata?.name ?? ''));
  for (const name of [...metrics.keys()]) if (!known.has(name)) metrics.delete(name);
  if (metrics.size === 0) throw new ReplicaCalcError('did not receive metrics for targeted pods (pods might be unready)');
  const timestampMs = oldest(metrics);

  const requests = target.kind === 'Utilization' ? podRequests(pods, resource) : undefined;
  const ratioOf = (m: PodMetrics): [number, number, number] =>
    requests ? utilizationRatio(m, requests, target.value) : [...averageRatio(m, target.value), Math.trunc(averageRatio(m, 1)[1])];

  const [ratio, utilization, rawAverage] = ratioOf(metrics);
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  const within = (r: number) => Math.abs(1 - r) <= tolerance;
  const keep = { replicas: currentReplicas, utilization, rawAverage, timestampMs };

  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (within(ratio)) return keep;
    return { replicas: Math.ceil(ratio * groups.readyCount), utilization, rawAverage, timestampMs };
  }

  if (groups.missing.size > 0) {
    for (const name of groups.missing) {
      let assumed: number;
      if (ratio < 1) {
        // Scale-down: a pod without metrics is assumed busy (its request, or the target if higher).
        assumed = requests ? ((requests.get(name) ?? 0) * Math.max(100, target.value)) / 100 : target.value;
      } else {
        assumed = 0;
      }
      metrics.set(name, { value: assumed, timestampMs, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) {
    for (const name of groups.unready) metrics.set(name, { value: 0, timestampMs, windowMs: 0 });
  }
  const [newRatio] = ratioOf(metrics);
  if (within(newRatio) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return keep;
  const replicas = Math.ceil(newRatio * metrics.size);
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) return keep;
  return { replicas, utilization, rawAverage, timestampMs };
}
