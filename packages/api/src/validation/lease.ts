/**
 * coordination.k8s.io Leases: durations positive, transitions non-negative, a
 * preferred holder only with a strategy.
 */
import { fieldErrors, type FieldError } from '../field-errors.js';
import { IS_NEGATIVE, IS_NOT_POSITIVE } from './common.js';
import { num, obj, str, type JsonObject } from './json.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

function validateLeaseSpec(specValue: unknown): FieldError[] {
  const spec = obj(specValue);
  const errs: FieldError[] = [];
  const duration = num(spec['leaseDurationSeconds']);
  if (duration !== undefined && duration <= 0) errs.push(fieldErrors.invalid('spec.leaseDurationSeconds', duration, IS_NOT_POSITIVE));
  const transitions = num(spec['leaseTransitions']);
  if (transitions !== undefined && transitions < 0) errs.push(fieldErrors.invalid('spec.leaseTransitions', transitions, IS_NEGATIVE));
  const strategy = str(spec['strategy']) ?? '';
  if (strategy !== '' && strategy !== 'OldestEmulationVersion') {
    errs.push(fieldErrors.notSupported('spec.strategy', strategy, ['OldestEmulationVersion']));
  }
  if ((str(spec['preferredHolder']) ?? '') !== '' && strategy === '') {
    errs.push(fieldErrors.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export function validateLease(lease: JsonObject, namespaced = true): FieldError[] {
  return [...validateObjectMeta(lease['metadata'], { namespaced }), ...validateLeaseSpec(lease['spec'])];
}

export function validateLeaseUpdate(lease: JsonObject, old: JsonObject): FieldError[] {
  return validateObjectMetaUpdate(lease['metadata'], old['metadata']);
}
