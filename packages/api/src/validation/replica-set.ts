/**
 * apps/v1 ReplicaSets, and the selector/template rules Deployments share: a required
 * non-empty selector that matches the template's labels, restartPolicy Always, no
 * activeDeadlineSeconds; the selector is immutable on update.
 */
import { fieldErrors, type FieldError } from '../field-errors.js';
import { isNothing, selectorFromLabelSelector, SelectorParseError, type LabelSelector, type Selector } from '../labels.js';
import { validateImmutable, validateLabelSelector, validateNonnegative } from './common.js';
import { has, isObject, num, obj, stringMap, type JsonObject } from './json.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePodTemplateSpec } from './pod-spec.js';

/** spec.selector: required, valid, non-empty; returns the parsed selector when usable. */
export function validateWorkloadSelector(spec: JsonObject, errs: FieldError[]): Selector | undefined {
  const raw = spec['selector'];
  if (!isObject(raw)) {
    errs.push(fieldErrors.required('spec.selector'));
    return undefined;
  }
  errs.push(...validateLabelSelector(raw, 'spec.selector'));
  const matchLabels = Object.keys(obj(raw['matchLabels'])).length;
  const expressions = Array.isArray(raw['matchExpressions']) ? raw['matchExpressions'].length : 0;
  if (matchLabels + expressions === 0) errs.push(fieldErrors.invalid('spec.selector', raw, 'empty selector is invalid for deployment'));
  try {
    return selectorFromLabelSelector(raw as LabelSelector);
  } catch (e) {
    if (!(e instanceof SelectorParseError)) throw e;
    errs.push(fieldErrors.invalid('spec.selector', raw, 'invalid label selector'));
    return undefined;
  }
}

/** The pod template of a ReplicaSet or Deployment at `spec.template`. */
export function validateWorkloadTemplate(spec: JsonObject, selector: Selector | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(spec['template'])) return [fieldErrors.required('spec.template')];
  const template = spec['template'];
  const labels = Object.fromEntries(stringMap(obj(template['metadata'])['labels']));
  if (selector && !selector.empty() && !isNothing(selector) && !selector.matches(labels)) {
    errs.push(fieldErrors.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const podSpec = obj(template['spec']);
  if (has(podSpec, 'restartPolicy') && podSpec['restartPolicy'] !== 'Always') {
    errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', podSpec['restartPolicy'], ['Always']));
  }
  if (has(podSpec, 'activeDeadlineSeconds')) {
    errs.push(
      fieldErrors.invalid('spec.template.spec.activeDeadlineSeconds', podSpec['activeDeadlineSeconds'], 'activeDeadlineSeconds in ReplicaSet is not Supported'),
    );
  }
  return errs;
}

export function validateReplicaSet(rs: JsonObject, namespaced = true): FieldError[] {
  const errs = validateObjectMeta(rs['metadata'], { namespaced });
  const spec = obj(rs['spec']);
  errs.push(...validateNonnegative(num(spec['replicas']), 'spec.replicas'));
  errs.push(...validateNonnegative(num(spec['minReadySeconds']), 'spec.minReadySeconds'));
  const selector = validateWorkloadSelector(spec, errs);
  errs.push(...validateWorkloadTemplate(spec, selector));
  return errs;
}

export function validateReplicaSetUpdate(rs: JsonObject, old: JsonObject): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rs['metadata'], old['metadata']),
    ...validateImmutable(obj(rs['spec'])['selector'], obj(old['spec'])['selector'], 'spec.selector'),
  ];
}

/** Status counters: non-negative and consistent with each other. */
export function validateReplicaSetStatus(status: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) {
    errs.push(...validateNonnegative(num(status[field]), `status.${field}`));
  }
  const replicas = num(status['replicas']) ?? 0;
  const ready = num(status['readyReplicas']) ?? 0;
  const available = num(status['availableReplicas']) ?? 0;
  const msg = 'cannot be greater than status.replicas';
  const fully = num(status['fullyLabeledReplicas']) ?? 0;
  if (fully > replicas) errs.push(fieldErrors.invalid('status.fullyLabeledReplicas', fully, msg));
  if (ready > replicas) errs.push(fieldErrors.invalid('status.readyReplicas', ready, msg));
  if (available > replicas) errs.push(fieldErrors.invalid('status.availableReplicas', available, msg));
  if (available > ready) errs.push(fieldErrors.invalid('status.availableReplicas', available, 'cannot be greater than readyReplicas'));
  return errs;
}
