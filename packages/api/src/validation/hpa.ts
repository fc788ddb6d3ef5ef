/**
 * autoscaling/v2 HorizontalPodAutoscalers: scale target, replica bounds, metrics (one
 * source per metric matching its type, targets of the right kind), scaling behavior.
 * Names use the path-segment rule (see index.ts).
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { IS_NOT_POSITIVE, invalidEach, quantityAt, validateDNS1123Label, validateLabelSelector, validateNonnegative } from './common.js';
import { arr, has, isObject, num, obj, str, type JsonObject } from './json.js';
import { isValidPathSegmentName } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const FIELD_BY_TYPE: Readonly<Record<string, string>> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

/** kind and name required, each a valid path segment. */
export function validateCrossVersionObjectReference(refValue: unknown, path: string): FieldError[] {
  const ref = obj(refValue);
  const errs: FieldError[] = [];
  for (const field of ['kind', 'name']) {
    const value = str(ref[field]) ?? '';
    const p = fieldPath.child(path, field);
    if (value === '') errs.push(fieldErrors.required(p));
    else errs.push(...invalidEach(p, value, isValidPathSegmentName(value)));
  }
  return errs;
}

function validateMetricTarget(targetValue: unknown, path: string): FieldError[] {
  const target = obj(targetValue);
  const errs: FieldError[] = [];
  const type = str(target['type']) ?? '';
  if (type === '') errs.push(fieldErrors.required(fieldPath.child(path, 'type'), 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'type'), type, 'must be either Utilization, Value, or AverageValue'));
  }
  for (const field of ['value', 'averageValue']) {
    if (!has(target, field)) continue;
    const p = fieldPath.child(path, field);
    const q = quantityAt(target[field], p, errs);
    if (q && q.sign() !== 1) errs.push(fieldErrors.invalid(p, q.toString(), 'must be positive'));
  }
  const utilization = num(target['averageUtilization']);
  if (utilization !== undefined && utilization < 1) {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'averageUtilization'), utilization, IS_NOT_POSITIVE));
  }
  return errs;
}

function validateMetricIdentifier(idValue: unknown, path: string): FieldError[] {
  const id = obj(idValue);
  const name = str(id['name']) ?? '';
  const errs: FieldError[] = [];
  if (name === '') errs.push(fieldErrors.required(fieldPath.child(path, 'name'), 'must specify a metric name'));
  else errs.push(...invalidEach(fieldPath.child(path, 'name'), name, isValidPathSegmentName(name)));
  if (isObject(id['selector'])) errs.push(...validateLabelSelector(id['selector'], fieldPath.child(path, 'selector')));
  return errs;
}

function validateSource(type: string, source: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const target = obj(source['target']);
  const targetPath = fieldPath.child(path, 'target');
  const hasValue = has(target, 'value');
  const hasAverage = has(target, 'averageValue');
  const hasUtilization = has(target, 'averageUtilization');
  switch (type) {
    case 'Object':
      errs.push(...validateCrossVersionObjectReference(source['describedObject'], fieldPath.child(path, 'describedObject')));
      errs.push(...validateMetricIdentifier(source['metric'], fieldPath.child(path, 'metric')));
      errs.push(...validateMetricTarget(target, targetPath));
      if (!hasValue && !hasAverage)
        errs.push(fieldErrors.required(fieldPath.child(targetPath, 'averageValue'), 'must set either a target value or averageValue'));
      break;
    case 'Pods':
      errs.push(...validateMetricIdentifier(source['metric'], fieldPath.child(path, 'metric')));
      errs.push(...validateMetricTarget(target, targetPath));
      if (!hasAverage) errs.push(fieldErrors.required(fieldPath.child(targetPath, 'averageValue'), 'must specify a positive target averageValue'));
      break;
    case 'External':
      errs.push(...validateMetricIdentifier(source['metric'], fieldPath.child(path, 'metric')));
      errs.push(...validateMetricTarget(target, targetPath));
      if (!hasValue && !hasAverage) {
        errs.push(fieldErrors.required(fieldPath.child(targetPath, 'averageValue'), 'must set either a target value for metric or a per-pod target'));
      }
      if (hasValue && hasAverage) {
        errs.push(fieldErrors.forbidden(fieldPath.child(targetPath, 'value'), 'may not set both a target value for metric and a per-pod target'));
      }
      break;
    case 'Resource':
    case 'ContainerResource': {
      if ((str(source['name']) ?? '') === '') errs.push(fieldErrors.required(fieldPath.child(path, 'name'), 'must specify a resource name'));
      if (type === 'ContainerResource') {
        const container = str(source['container']) ?? '';
        if (container === '') errs.push(fieldErrors.required(fieldPath.child(path, 'container'), 'must specify a container'));
        else errs.push(...validateDNS1123Label(container, fieldPath.child(path, 'container')));
      }
      errs.push(...validateMetricTarget(target, targetPath));
      if (!hasUtilization && !hasAverage) {
        errs.push(fieldErrors.required(fieldPath.child(targetPath, 'averageUtilization'), 'must set either a target raw value or a target utilization'));
      }
      if (hasUtilization && hasAverage) {
        errs.push(fieldErrors.forbidden(fieldPath.child(targetPath, 'averageValue'), 'may not set both a target raw value and a target utilization'));
      }
      break;
    }
  }
  return errs;
}

function validateMetrics(metrics: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(metrics).forEach((raw, i) => {
    const metric = obj(raw);
    const p = fieldPath.index(path, i);
    const type = str(metric['type']) ?? '';
    if (type === '') errs.push(fieldErrors.required(fieldPath.child(p, 'type'), 'must specify a metric source type'));
    const expected = Object.hasOwn(FIELD_BY_TYPE, type) ? FIELD_BY_TYPE[type] : undefined;
    if (expected === undefined) errs.push(fieldErrors.notSupported(fieldPath.child(p, 'type'), type, METRIC_TYPES));
    else if (!isObject(metric[expected])) {
      errs.push(fieldErrors.required(fieldPath.child(p, expected), 'must populate information for the given metric source'));
    }
    for (const field of Object.values(FIELD_BY_TYPE).sort()) {
      if (field !== expected && isObject(metric[field])) {
        errs.push(fieldErrors.forbidden(fieldPath.child(p, field), 'must populate the given metric source only'));
      }
    }
    if (expected !== undefined && isObject(metric[expected])) errs.push(...validateSource(type, metric[expected], fieldPath.child(p, expected)));
  });
  return errs;
}

function validateScalingRules(rulesValue: unknown, path: string): FieldError[] {
  if (!isObject(rulesValue)) return [];
  const rules = rulesValue;
  const errs: FieldError[] = [];
  const window = num(rules['stabilizationWindowSeconds']);
  if (window !== undefined && (window < 0 || window > MAX_STABILIZATION_WINDOW_SECONDS)) {
    const detail = window < 0 ? 'must be greater than or equal to zero' : `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`;
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'stabilizationWindowSeconds'), window, detail));
  }
  const select = rules['selectPolicy'];
  if (select !== undefined && select !== 'Max' && select !== 'Min' && select !== 'Disabled') {
    errs.push(fieldErrors.notSupported(fieldPath.child(path, 'selectPolicy'), select, ['Disabled', 'Max', 'Min']));
  }
  const policies = arr(rules['policies']);
  if (has(rules, 'policies') && policies.length === 0 && select !== 'Disabled') {
    errs.push(fieldErrors.required(fieldPath.child(path, 'policies'), 'must specify at least one Policy'));
  }
  policies.forEach((raw, i) => {
    const policy = obj(raw);
    const p = fieldPath.index(fieldPath.child(path, 'policies'), i);
    const type = policy['type'];
    if (type !== 'Pods' && type !== 'Percent') errs.push(fieldErrors.invalid(fieldPath.child(p, 'type'), type ?? '', 'must be either Pods or Percent'));
    const value = num(policy['value']) ?? 0;
    if (value <= 0) errs.push(fieldErrors.invalid(fieldPath.child(p, 'value'), value, 'must be greater than zero'));
    const period = num(policy['periodSeconds']) ?? 0;
    if (period <= 0) errs.push(fieldErrors.invalid(fieldPath.child(p, 'periodSeconds'), period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) {
      errs.push(fieldErrors.invalid(fieldPath.child(p, 'periodSeconds'), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
    }
  });
  return errs;
}

function validateHPASpec(specValue: unknown): FieldError[] {
  const spec = obj(specValue);
  const errs: FieldError[] = [];
  const min = num(spec['minReplicas']);
  const max = num(spec['maxReplicas']) ?? 0;
  if (min !== undefined && min < 1) errs.push(fieldErrors.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(fieldErrors.invalid('spec.maxReplicas', max, IS_NOT_POSITIVE));
  if (min !== undefined && max < min) errs.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  // As in Kubernetes, metrics are checked only once the target is valid, behavior only once metrics are.
  const refErrs = validateCrossVersionObjectReference(spec['scaleTargetRef'], 'spec.scaleTargetRef');
  if (refErrs.length > 0) return [...errs, ...refErrs];
  const metricErrs = validateMetrics(spec['metrics'], 'spec.metrics');
  if (metricErrs.length > 0) return [...errs, ...metricErrs];
  const behavior = obj(spec['behavior']);
  return [
    ...errs,
    ...validateScalingRules(behavior['scaleUp'], 'spec.behavior.scaleUp'),
    ...validateScalingRules(behavior['scaleDown'], 'spec.behavior.scaleDown'),
  ];
}

export function validateHPA(hpa: JsonObject, namespaced = true): FieldError[] {
  return [...validateObjectMeta(hpa['metadata'], { namespaced, nameRule: 'path-segment' }), ...validateHPASpec(hpa['spec'])];
}

export function validateHPAUpdate(hpa: JsonObject, old: JsonObject): FieldError[] {
  return validateObjectMetaUpdate(hpa['metadata'], old['metadata']);
}

export function validateHPAStatus(status: JsonObject): FieldError[] {
  return [
    ...validateNonnegative(num(status['currentReplicas']), 'status.currentReplicas'),
    ...validateNonnegative(num(status['desiredReplicas']), 'status.desiredReplicas'),
  ];
}
