/**
 * apps/v1 Deployments: the ReplicaSet selector/template rules plus strategy,
 * revisionHistoryLimit and progressDeadlineSeconds; the selector is immutable on update.
 */
import { fieldErrors, type FieldError } from '../field-errors.js';
import { IS_NOT_POSITIVE, invalidEach, validateImmutable, validateNonnegative } from './common.js';
import { isObject, num, obj, str, type JsonObject } from './json.js';
import { isValidPercent } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validateWorkloadSelector, validateWorkloadTemplate } from './replica-set.js';

/** An int >= 0 or a percent string like "25%". */
function validateIntOrPercent(value: unknown, path: string): FieldError[] {
  if (typeof value === 'string') return invalidEach(path, value, isValidPercent(value));
  if (typeof value === 'number') return validateNonnegative(value, path);
  if (value === undefined || value === null) return [];
  return [fieldErrors.invalid(path, value, "must be an integer or percentage (e.g '5%')")];
}

/** 0, 0% count as zero; a malformed percent is reported elsewhere and not zero. */
function isZero(value: unknown): boolean {
  if (typeof value === 'number') return value === 0;
  return typeof value === 'string' && /^0+%$/.test(value);
}

function validateRollingUpdate(ru: JsonObject): FieldError[] {
  const base = 'spec.strategy.rollingUpdate';
  const errs = [...validateIntOrPercent(ru['maxUnavailable'], `${base}.maxUnavailable`), ...validateIntOrPercent(ru['maxSurge'], `${base}.maxSurge`)];
  if (isZero(ru['maxUnavailable']) && isZero(ru['maxSurge'])) {
    errs.push(fieldErrors.invalid(`${base}.maxUnavailable`, ru['maxUnavailable'], 'may not be 0 when `maxSurge` is 0'));
  }
  const maxUnavailable = ru['maxUnavailable'];
  if (typeof maxUnavailable === 'string' && isValidPercent(maxUnavailable).length === 0 && Number(maxUnavailable.slice(0, -1)) > 100) {
    errs.push(fieldErrors.invalid(`${base}.maxUnavailable`, maxUnavailable, 'must not be greater than 100%'));
  }
  return errs;
}

function validateStrategy(strategyValue: unknown): FieldError[] {
  const strategy = obj(strategyValue);
  // An absent type is defaulted to RollingUpdate (with 25%/25%).
  const type = str(strategy['type']) ?? 'RollingUpdate';
  switch (type) {
    case 'Recreate':
      return isObject(strategy['rollingUpdate'])
        ? [fieldErrors.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")]
        : [];
    case 'RollingUpdate':
      return isObject(strategy['rollingUpdate']) ? validateRollingUpdate(strategy['rollingUpdate']) : [];
    default:
      return [fieldErrors.notSupported('spec.strategy', strategy, ['Recreate', 'RollingUpdate'])];
  }
}

export function validateDeployment(deployment: JsonObject, namespaced = true): FieldError[] {
  const errs = validateObjectMeta(deployment['metadata'], { namespaced });
  const spec = obj(deployment['spec']);
  errs.push(...validateNonnegative(num(spec['replicas']), 'spec.replicas'));
  const selector = validateWorkloadSelector(spec, errs);
  errs.push(...validateWorkloadTemplate(spec, selector));
  errs.push(...validateStrategy(spec['strategy']));
  const minReady = num(spec['minReadySeconds']) ?? 0;
  errs.push(...validateNonnegative(num(spec['minReadySeconds']), 'spec.minReadySeconds'));
  errs.push(...validateNonnegative(num(spec['revisionHistoryLimit']), 'spec.revisionHistoryLimit'));
  const deadline = num(spec['progressDeadlineSeconds']);
  if (deadline !== undefined) {
    if (deadline <= 0) errs.push(fieldErrors.invalid('spec.progressDeadlineSeconds', deadline, IS_NOT_POSITIVE));
    if (deadline <= minReady) errs.push(fieldErrors.invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export function validateDeploymentUpdate(deployment: JsonObject, old: JsonObject): FieldError[] {
  return [
    ...validateObjectMetaUpdate(deployment['metadata'], old['metadata']),
    ...validateImmutable(obj(deployment['spec'])['selector'], obj(old['spec'])['selector'], 'spec.selector'),
  ];
}

export function validateDeploymentStatus(status: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount']) {
    errs.push(...validateNonnegative(num(status[field]), `status.${field}`));
  }
  const replicas = num(status['replicas']) ?? 0;
  const msg = 'cannot be greater than status.replicas';
  const updated = num(status['updatedReplicas']) ?? 0;
  const ready = num(status['readyReplicas']) ?? 0;
  const available = num(status['availableReplicas']) ?? 0;
  if (updated > replicas) errs.push(fieldErrors.invalid('status.updatedReplicas', updated, msg));
  if (ready > replicas) errs.push(fieldErrors.invalid('status.readyReplicas', ready, msg));
  if (available > replicas) errs.push(fieldErrors.invalid('status.availableReplicas', available, msg));
  if (available > ready) errs.push(fieldErrors.invalid('status.availableReplicas', available, 'cannot be greater than readyReplicas'));
  return errs;
}
