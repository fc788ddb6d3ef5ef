/**
 * autoscaling/v1 HorizontalPodAutoscaler <-> the stored autoscaling/v2 form,
 * the way Kubernetes converts: v1 knows one metric (average CPU utilization,
 * `spec.targetCPUUtilizationPercentage` / `status.currentCPUUtilizationPercentage`);
 * whatever else a v2 object holds rides in annotations of the v1 view and
 * comes back from them, so a v1 read-modify-write loses nothing:
 *
 * - `autoscaling.alpha.kubernetes.io/metrics`: the other spec metrics,
 * - `autoscaling.alpha.kubernetes.io/behavior`: spec.behavior,
 * - `autoscaling.alpha.kubernetes.io/current-metrics`: the other status metrics,
 * - `autoscaling.alpha.kubernetes.io/conditions`: status.conditions.
 *
 * The annotation values are JSON of the autoscaling/v2 shapes (Kubernetes
 * writes v2beta-era shapes for metrics; mk8s keeps one shape). Pure functions.
 */
type Obj = Record<string, unknown>;

export const ANNOTATION_METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
export const ANNOTATION_BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';
export const ANNOTATION_CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const ANNOTATION_CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
const OURS = [ANNOTATION_METRICS, ANNOTATION_BEHAVIOR, ANNOTATION_CURRENT_METRICS, ANNOTATION_CONDITIONS];

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function isCpuUtilizationSpec(m: unknown): boolean {
  if (!isObj(m) || m['type'] !== 'Resource' || !isObj(m['resource'])) return false;
  const r = m['resource'];
  return r['name'] === 'cpu' && isObj(r['target']) && r['target']['type'] === 'Utilization';
}

function isCpuStatus(m: unknown): boolean {
  return isObj(m) && m['type'] === 'Resource' && isObj(m['resource']) && m['resource']['name'] === 'cpu';
}

function parseAnnotation(annotations: Obj, key: string): unknown {
  const raw = annotations[key];
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** The stored v2 object as autoscaling/v1. */
export function hpaV2ToV1(v2: Obj): Obj {
  const out = clone(v2);
  out['apiVersion'] = 'autoscaling/v1';
  out['kind'] = 'HorizontalPodAutoscaler';
  const meta = (isObj(out['metadata']) ? out['metadata'] : {}) as Obj;
  const annotations: Obj = { ...((isObj(meta['annotations']) ? meta['annotations'] : {}) as Obj) };
  for (const k of OURS) delete annotations[k];

  const spec = (isObj(v2['spec']) ? v2['spec'] : {}) as Obj;
  const metrics = Array.isArray(spec['metrics']) ? spec['metrics'] : [];
  const cpu = metrics.find(isCpuUtilizationSpec) as Obj | undefined;
  const others = metrics.filter((m) => m !== cpu);
  const v1Spec: Obj = { scaleTargetRef: spec['scaleTargetRef'] };
  if (spec['minReplicas'] !== undefined) v1Spec['minReplicas'] = spec['minReplicas'];
  v1Spec['maxReplicas'] = spec['maxReplicas'];
  const target = cpu ? (((cpu['resource'] as Obj)['target'] as Obj)['averageUtilization'] as number | undefined) : undefined;
  if (target !== undefined) v1Spec['targetCPUUtilizationPercentage'] = target;
  if (others.length > 0) annotations[ANNOTATION_METRICS] = JSON.stringify(others);
  if (spec['behavior'] !== undefined) annotations[ANNOTATION_BEHAVIOR] = JSON.stringify(spec['behavior']);
  out['spec'] = v1Spec;

  const status = isObj(v2['status']) ? v2['status'] : undefined;
  if (status) {
    const v1Status: Obj = {};
    for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas']) if (status[k] !== undefined) v1Status[k] = status[k];
    v1Status['desiredReplicas'] = status['desiredReplicas'] ?? 0;
    const current = Array.isArray(status['currentMetrics']) ? status['currentMetrics'] : [];
    const cpuNow = current.find(isCpuStatus) as Obj | undefined;
    const utilization = cpuNow ? ((cpuNow['resource'] as Obj)['current'] as Obj | undefined)?.['averageUtilization'] : undefined;
    if (typeof utilization === 'number') v1Status['currentCPUUtilizationPercentage'] = utilization;
    const otherCurrent = current.filter((m) => m !== cpuNow);
    if (otherCurrent.length > 0) annotations[ANNOTATION_CURRENT_METRICS] = JSON.stringify(otherCurrent);
    if (Array.isArray(status['conditions']) && status['conditions'].length > 0) annotations[ANNOTATION_CONDITIONS] = JSON.stringify(status['conditions']);
    out['status'] = v1Status;
  }
  if (Object.keys(annotations).length > 0) meta['annotations'] = annotations;
  else delete meta['annotations'];
  out['metadata'] = meta;
  return out;
}

/** A v1 body (create, update, patched view) as the v2 object to store. */
export function hpaV1ToV2(v1: Obj): Obj {
  const out = clone(v1);
  out['apiVersion'] = 'autoscaling/v2';
  out['kind'] = 'HorizontalPodAutoscaler';
  const meta = (isObj(out['metadata']) ? out['metadata'] : {}) as Obj;
  const annotations: Obj = { ...((isObj(meta['annotations']) ? meta['annotations'] : {}) as Obj) };
  const extraMetrics = parseAnnotation(annotations, ANNOTATION_METRICS);
  const behavior = parseAnnotation(annotations, ANNOTATION_BEHAVIOR);
  const extraCurrent = parseAnnotation(annotations, ANNOTATION_CURRENT_METRICS);
  const conditions = parseAnnotation(annotations, ANNOTATION_CONDITIONS);
  for (const k of OURS) delete annotations[k];
  if (Object.keys(annotations).length > 0) meta['annotations'] = annotations;
  else delete meta['annotations'];
  out['metadata'] = meta;

  if (isObj(v1['spec'])) {
    const s = v1['spec'];
    const spec: Obj = { scaleTargetRef: s['scaleTargetRef'] };
    if (s['minReplicas'] !== undefined) spec['minReplicas'] = s['minReplicas'];
    spec['maxReplicas'] = s['maxReplicas'];
    const metrics: unknown[] = [];
    if (typeof s['targetCPUUtilizationPercentage'] === 'number') {
      metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s['targetCPUUtilizationPercentage'] } } });
    }
    if (Array.isArray(extraMetrics)) metrics.push(...(extraMetrics as unknown[]));
    if (metrics.length > 0) spec['metrics'] = metrics;
    if (isObj(behavior)) spec['behavior'] = behavior;
    out['spec'] = spec;
  }
  if (isObj(v1['status'])) {
    const s = v1['status'];
    const status: Obj = {};
    for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas']) if (s[k] !== undefined) status[k] = s[k];
    status['desiredReplicas'] = s['desiredReplicas'] ?? 0;
    const current: unknown[] = [];
    if (typeof s['currentCPUUtilizationPercentage'] === 'number') {
      current.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: s['currentCPUUtilizationPercentage'] } } });
    }
    if (Array.isArray(extraCurrent)) current.push(...(extraCurrent as unknown[]));
    if (current.length > 0) status['currentMetrics'] = current;
    if (Array.isArray(conditions)) status['conditions'] = conditions;
    out['status'] = status;
  }
  return out;
}
