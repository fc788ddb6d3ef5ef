/**
 * The horizontal pod autoscaler controller (Kubernetes'
 * `pkg/controller/podautoscaler/horizontal.go`, our own code): every sync
 * period (default 15 s) each autoscaling/v2 HorizontalPodAutoscaler is
 * reconciled:
 *
 * 1. read the target's `scale` subresource (Deployments, ReplicaSets):
 *    current replicas and the pod selector;
 * 2. outside [minReplicas, maxReplicas] go to the nearest bound; a target
 *    at 0 replicas disables autoscaling (ScalingActive False, ScalingDisabled);
 * 3. otherwise each Resource metric (cpu, memory; Utilization of requests or
 *    AverageValue) gives a proposal from the metrics API and the pods
 *    (replica-calculator.ts); the largest wins;
 * 4. stabilization and the scaling rules (normalize.ts) give the count to set;
 * 5. a different count is written through the scale subresource, with the
 *    Event SuccessfulRescale "New size: N; reason: ...";
 * 6. the status (currentReplicas, desiredReplicas, currentMetrics,
 *    lastScaleTime, conditions AbleToScale / ScalingActive / ScalingLimited)
 *    is written through the status subresource when it changed.
 *
 * Keys are `namespace/name`; an added HPA or a spec change is synced at
 * once, then each is re-queued every sync period (our own status writes do
 * not trigger syncs). Recommendations and recent scale events live in memory.
 */
import {
  errorMessage,
  cloneJson,
  deepEqual,
  metaTime,
  parseLabelSelector,
  parseQuantity,
  type HorizontalPodAutoscaler,
  type HorizontalPodAutoscalerCondition,
  type MetricSpec,
  type MetricStatus,
  type Pod,
} from '@mk8s/api';
import { ControllerBase, deletedObject, isNotFound, objectKey, type ControllerDeps, type SharedInformer } from '@mk8s/client';
import { RestMetricsSource, type ResourceMetricsSource } from './metrics-source.js';
import { newMemory, normalizeReplicas, recordScaleEvent, type ConditionUpdate, type HpaMemory } from './normalize.js';
import { calcResourceReplicas, ReplicaCalcError, type ReplicaProposal } from './replica-calculator.js';

export const HPA_CONTROLLER_NAME = 'horizontal-pod-autoscaler';
export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000;

export interface HpaControllerOptions extends ControllerDeps {
  /** `--horizontal-pod-autoscaler-sync-period`; default 15 s. */
  syncPeriodMs?: number;
  /** `--horizontal-pod-autoscaler-tolerance`; default 0.1. */
  tolerance?: number;
  /** `--horizontal-pod-autoscaler-downscale-stabilization` for HPAs without their own window; default 300 s. */
  downscaleStabilizationMs?: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period`; default 5 min. */
  cpuInitializationPeriodMs?: number;
  /** `--horizontal-pod-autoscaler-initial-readiness-delay`; default 30 s. */
  initialReadinessDelayMs?: number;
  /** Default: the metrics.k8s.io API through `client`. */
  metricsSource?: ResourceMetricsSource;
}

interface Scale {
  replicas: number;
  selector: string;
}

type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

interface MetricResult {
  proposal: ReplicaProposal;
  status: MetricStatus;
  name: string;
}

const milliQuantity = (milli: number): string => {
  const m = Math.round(milli);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
};

function involved(h: HorizontalPodAutoscaler) {
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: h.metadata ?? {} };
}

export class HorizontalPodAutoscalerController extends ControllerBase {
  protected readonly informers;
  private readonly source: ResourceMetricsSource;
  private readonly hpas: SharedInformer<HorizontalPodAutoscaler>;
  private readonly pods: SharedInformer<Pod>;
  private readonly memory = new Map<string, HpaMemory>();
  readonly syncPeriodMs: number;

  constructor(private readonly opts: HpaControllerOptions) {
    super({ name: 'horizontalpodautoscaler', eventSource: HPA_CONTROLLER_NAME }, opts);
    this.syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS;
    this.source = opts.metricsSource ?? new RestMetricsSource(opts.client);
    this.hpas = opts.factory.informerFor<HorizontalPodAutoscaler>('horizontalpodautoscalers');
    this.pods = opts.factory.informerFor<Pod>('pods');
    this.informers = [this.hpas, this.pods];
    this.hpas.addEventHandler({
      onAdd: (h) => this.queue.add(objectKey(h)),
      onUpdate: (o, n) => {
        if (o.metadata?.generation !== n.metadata?.generation) this.queue.add(objectKey(n));
      },
      onDelete: (h) => {
        const key = objectKey(deletedObject(h));
        this.memory.delete(key);
        this.queue.add(key);
      },
    });
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.hpas.lister.get(key);
    if (!cached) {
      this.memory.delete(key);
      return;
    }
    try {
      await this.reconcile(key, cached);
    } catch (err) {
      // As in Kubernetes, a failed reconcile is retried at the next sync period,
      // not with fast backoff: its reason is already in the status and Events.
      this.log.warn({ key, err: errorMessage(err) }, 'failed to reconcile HorizontalPodAutoscaler');
    } finally {
      // The periodic resync: every HPA is looked at again each sync period.
      if (this.hpas.lister.get(key)) this.queue.addAfter(key, this.syncPeriodMs);
    }
  }

  private memoryOf(key: string): HpaMemory {
    let m = this.memory.get(key);
    if (!m) this.memory.set(key, (m = newMemory()));
    return m;
  }

  private async getScale(hpa: HorizontalPodAutoscaler): Promise<Scale> {
    const ref = hpa.spec!.scaleTargetRef;
    const ns = hpa.metadata!.namespace!;
    const group = (ref.apiVersion ?? 'apps/v1').split('/')[0];
    const client =
      group !== 'apps' ? undefined : ref.kind === 'Deployment' ? this.client.deployments : ref.kind === 'ReplicaSet' ? this.client.replicaSets : undefined;
    if (!client) throw new Error(`no scale subresource is served for ${ref.apiVersion ?? ''} ${ref.kind}`);
    const scale = await client.getScale(ns, ref.name);
    return { replicas: scale.spec?.replicas ?? 0, selector: scale.status?.selector ?? '' };
  }

  private async updateScale(hpa: HorizontalPodAutoscaler, replicas: number): Promise<void> {
    const ref = hpa.spec!.scaleTargetRef;
    const client = ref.kind === 'Deployment' ? this.client.deployments : this.client.replicaSets;
    await client.updateScale(hpa.metadata!.namespace!, ref.name, replicas);
  }

  private async reconcile(key: string, cached: HorizontalPodAutoscaler): Promise<void> {
    const hpa = cloneJson(cached);
    const spec = hpa.spec!;
    const now = this.clock.now();
    const conditions = new Map<ConditionType, ConditionUpdate | { type: ConditionType; status: 'True' | 'False'; reason: string; message: string }>();
    const setCondition = (type: ConditionType, status: 'True' | 'False', reason: string, message: string) =>
      conditions.set(type, { type, status, reason, message });
    const reference = `${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`;

    let scale: Scale;
    try {
      scale = await this.getScale(hpa);
    } catch (err) {
      const msg = errorMessage(err);
      this.recorder.event(involved(hpa), 'Warning', 'FailedGetScale', msg);
      setCondition('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`);
      await this.writeStatus(
        cached,
        hpa,
        { currentReplicas: hpa.status?.currentReplicas ?? 0, desiredReplicas: hpa.status?.desiredReplicas ?? 0 },
        conditions,
        now,
      );
      if (isNotFound(err)) return; // nothing to retry faster than the sync period
      throw new Error(`failed to query scale subresource for ${reference}: ${msg}`);
    }
    setCondition('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const current = scale.replicas;
    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = spec.maxReplicas;
    let desired = 0;
    let rescaleReason = '';
    let currentMetrics: MetricStatus[] | undefined = hpa.status?.currentMetrics;
    let metricsError: Error | undefined;

    if (current === 0 && minReplicas !== 0) {
      desired = 0;
      setCondition('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (current > maxReplicas) {
      desired = maxReplicas;
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < minReplicas) {
      desired = minReplicas;
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const computed = await this.computeReplicasForMetrics(hpa, scale, now, setCondition);
      currentMetrics = computed.statuses;
      if (computed.error) metricsError = computed.error;
      if (computed.replicas === undefined) {
        // No metric could be evaluated: leave the target alone, report why.
        await this.writeStatus(
          cached,
          hpa,
          { currentReplicas: current, desiredReplicas: hpa.status?.desiredReplicas ?? current, currentMetrics },
          conditions,
          now,
        );
        throw metricsError ?? new Error('no metrics could be evaluated');
      }
      const normalized = normalizeReplicas(
        {
          currentReplicas: current,
          proposed: computed.replicas,
          minReplicas,
          maxReplicas,
          behavior: spec.behavior,
          downscaleStabilizationMs: this.opts.downscaleStabilizationMs,
          nowMs: now,
        },
        this.memoryOf(key),
      );
      for (const c of normalized.conditions) conditions.set(c.type, c);
      desired = normalized.replicas;
      rescaleReason = desired > current ? `${computed.metricName} above target` : 'All metrics below target';
    }

    let lastScaleTime = hpa.status?.lastScaleTime;
    if (desired !== current) {
      try {
        await this.updateScale(hpa, desired);
      } catch (err) {
        const msg = errorMessage(err);
        this.recorder.event(involved(hpa), 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${msg}`);
        setCondition('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`);
        await this.writeStatus(
          cached,
          hpa,
          { currentReplicas: current, desiredReplicas: hpa.status?.desiredReplicas ?? current, currentMetrics },
          conditions,
          now,
        );
        throw err;
      }
      setCondition('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.recorder.event(involved(hpa), 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      if (spec.behavior) recordScaleEvent(this.memoryOf(key), current, desired, now);
      lastScaleTime = metaTime(now);
      this.log.info({ key, from: current, to: desired, reason: rescaleReason }, 'rescaled');
    }
    await this.writeStatus(cached, hpa, { currentReplicas: current, desiredReplicas: desired, currentMetrics, lastScaleTime }, conditions, now);
    if (metricsError) throw metricsError;
  }

  /** Proposals of every metric; the largest wins. `replicas` undefined when none could be computed. */
  private async computeReplicasForMetrics(
    hpa: HorizontalPodAutoscaler,
    scale: Scale,
    now: number,
    setCondition: (type: ConditionType, status: 'True' | 'False', reason: string, message: string) => void,
  ): Promise<{ replicas?: number; metricName: string; statuses: MetricStatus[]; error?: Error }> {
    const spec = hpa.spec!;
    const ns = hpa.metadata!.namespace!;
    if (!scale.selector) {
      const msg = 'selector is required';
      this.recorder.event(involved(hpa), 'Warning', 'SelectorRequired', msg);
      setCondition('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
      return { metricName: '', statuses: [], error: new Error(msg) };
    }
    let selector;
    try {
      selector = parseLabelSelector(scale.selector);
    } catch (err) {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${errorMessage(err)}`;
      this.recorder.event(involved(hpa), 'Warning', 'InvalidSelector', msg);
      setCondition('ScalingActive', 'False', 'InvalidSelector', msg);
      return { metricName: '', statuses: [], error: new Error(msg) };
    }
    const pods = this.pods.lister
      .namespace(ns)
      .list()
      .filter((p) => selector.matches(p.metadata?.labels));
    const results: MetricResult[] = [];
    const statuses: MetricStatus[] = [];
    let firstError: { reason: string; message: string; error: Error } | undefined;
    let invalid = 0;
    for (const metric of spec.metrics ?? []) {
      try {
        const r = await this.computeMetric(metric, scale.replicas, pods, ns, scale.selector, now);
        results.push(r);
        statuses.push(r.status);
      } catch (err) {
        invalid++;
        statuses.push({ type: '' });
        const reason = err instanceof ReplicaCalcError ? err.reason : 'FailedGetResourceMetric';
        firstError ??= { reason, message: `the HPA was unable to compute the replica count: ${errorMessage(err)}`, error: err as Error };
        this.recorder.event(involved(hpa), 'Warning', reason, errorMessage(err));
      }
    }
    if (invalid > 0 && (results.length === 0 || invalid === (spec.metrics ?? []).length)) {
      this.recorder.event(
        involved(hpa),
        'Warning',
        'FailedComputeMetricsReplicas',
        `invalid metrics (${invalid} invalid out of ${(spec.metrics ?? []).length}), first error is: ${firstError!.error.message}`,
      );
      setCondition('ScalingActive', 'False', firstError!.reason, firstError!.message);
      return { metricName: '', statuses: statuses.filter((s) => s.type !== ''), error: firstError!.error };
    }
    let best: MetricResult | undefined;
    for (const r of results) if (!best || r.proposal.replicas > best.proposal.replicas) best = r;
    if (!best) {
      setCondition('ScalingActive', 'False', 'FailedGetResourceMetric', 'the HPA was unable to compute the replica count: no metrics');
      return { metricName: '', statuses: [], error: new Error('no metrics are configured') };
    }
    setCondition('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${best.name}`);
    const out: { replicas: number; metricName: string; statuses: MetricStatus[]; error?: Error } = {
      replicas: best.proposal.replicas,
      metricName: best.name,
      statuses: statuses.filter((s) => s.type !== ''),
    };
    if (firstError) out.error = firstError.error;
    return out;
  }

  private async computeMetric(metric: MetricSpec, current: number, pods: Pod[], ns: string, selector: string, now: number): Promise<MetricResult> {
    if (metric.type !== 'Resource' || !metric.resource) {
      throw new ReplicaCalcError(`metric type ${metric.type} is not supported by this controller (only Resource)`, 'InvalidMetricSourceType');
    }
    const resource = metric.resource.name;
    const target = metric.resource.target;
    const fetched = await this.source.podMetrics(ns, resource, selector).catch((err: unknown) => {
      throw new ReplicaCalcError(`unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${errorMessage(err)}`);
    });
    const calcOpts = {
      nowMs: now,
      tolerance: this.opts.tolerance,
      cpuInitializationPeriodMs: this.opts.cpuInitializationPeriodMs,
      initialReadinessDelayMs: this.opts.initialReadinessDelayMs,
    };
    if (target.type === 'Utilization' || (target.averageUtilization !== undefined && target.averageValue === undefined)) {
      const utilization = target.averageUtilization;
      if (utilization === undefined) throw new ReplicaCalcError('invalid resource metric source: neither a utilization target nor a value target was set');
      const proposal = calcResourceReplicas(current, { kind: 'Utilization', value: utilization }, resource, pods, fetched, calcOpts);
      return {
        proposal,
        name: `${resource} resource utilization (percentage of request)`,
        status: {
          type: 'Resource',
          resource: { name: resource, current: { averageUtilization: proposal.utilization, averageValue: milliQuantity(proposal.rawAverage) } },
        },
      };
    }
    if (target.averageValue === undefined)
      throw new ReplicaCalcError('invalid resource metric source: neither a utilization target nor a value target was set');
    const targetMilli = parseQuantity(target.averageValue).milliValue();
    const proposal = calcResourceReplicas(current, { kind: 'AverageValue', value: targetMilli }, resource, pods, fetched, calcOpts);
    return {
      proposal,
      name: `${resource} resource`,
      status: { type: 'Resource', resource: { name: resource, current: { averageValue: milliQuantity(proposal.utilization) } } },
    };
  }

  private async writeStatus(
    cached: HorizontalPodAutoscaler,
    hpa: HorizontalPodAutoscaler,
    fields: { currentReplicas: number; desiredReplicas: number; currentMetrics?: MetricStatus[]; lastScaleTime?: string },
    updates: Map<ConditionType, { type: ConditionType; status: 'True' | 'False'; reason: string; message: string }>,
    now: number,
  ): Promise<void> {
    const before = cached.status?.conditions ?? [];
    const conditions: HorizontalPodAutoscalerCondition[] = [];
    for (const type of ['AbleToScale', 'ScalingActive', 'ScalingLimited'] as const) {
      const u = updates.get(type);
      const old = before.find((c) => c.type === type);
      if (!u) {
        if (old) conditions.push(old);
        continue;
      }
      const lastTransitionTime = old && old.status === u.status && old.lastTransitionTime ? old.lastTransitionTime : metaTime(now);
      conditions.push({ type, status: u.status, lastTransitionTime, reason: u.reason, message: u.message });
    }
    const status = {
      observedGeneration: hpa.metadata?.generation,
      lastScaleTime: fields.lastScaleTime || undefined,
      currentReplicas: fields.currentReplicas,
      desiredReplicas: fields.desiredReplicas,
      currentMetrics: fields.currentMetrics?.length ? fields.currentMetrics : undefined,
      conditions,
    };
    if (deepEqual(status, cached.status ?? {})) return;
    const next = cloneJson(cached);
    next.status = status;
    try {
      await this.client.horizontalPodAutoscalers.updateStatus(next);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
