/**
 * Nodes (cluster-scoped): taints, pod CIDRs, capacity quantities; on update the pod
 * CIDRs and providerID may only go from unset to set, and addresses must be unique.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { duplicateWithDetail, invalidEach, validateQualifiedName } from './common.js';
import { arr, obj, semanticEqual, str, type JsonObject } from './json.js';
import { isValidCIDR, isValidLabelValue } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validateTaintEffect } from './pod-spec.js';
import { validateResourceQuantityValue } from './resource-requirements.js';

/** Taints: key, value, effect, unique by key and effect. */
export function validateNodeTaints(taints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(taints).forEach((raw, i) => {
    const t = obj(raw);
    const p = fieldPath.index(path, i);
    const key = str(t['key']) ?? '';
    const value = str(t['value']) ?? '';
    const effect = str(t['effect']) ?? '';
    errs.push(...validateQualifiedName(key, fieldPath.child(p, 'key')));
    const valueErrs = isValidLabelValue(value);
    if (valueErrs.length > 0) errs.push(fieldErrors.invalid(fieldPath.child(p, 'value'), value, valueErrs.join(';')));
    errs.push(...validateTaintEffect(effect, false, fieldPath.child(p, 'effect')));
    const id = `${effect}\u0000${key}`;
    if (seen.has(id)) {
      errs.push(duplicateWithDetail(p, t, 'taints must be unique by key and effect pair'));
      return;
    }
    seen.add(id);
  });
  return errs;
}

/** spec.podCIDRs, falling back to the v1 singular spec.podCIDR. */
function podCIDRs(spec: JsonObject): string[] {
  const list = arr(spec['podCIDRs']).map((c) => str(c) ?? '');
  if (list.length > 0) return list;
  const single = str(spec['podCIDR']) ?? '';
  return single === '' ? [] : [single];
}

export function validateNode(node: JsonObject): FieldError[] {
  const errs = validateObjectMeta(node['metadata'], { namespaced: false });
  const spec = obj(node['spec']);
  // Kubernetes reports taint errors under metadata.taints.
  errs.push(...validateNodeTaints(spec['taints'], 'metadata.taints'));
  const cidrs = podCIDRs(spec);
  cidrs.forEach((cidr, i) => errs.push(...invalidEach(fieldPath.index('spec.podCIDRs', i), cidr, isValidCIDR(cidr))));
  if (cidrs.length > 2) errs.push(fieldErrors.invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  const status = obj(node['status']);
  for (const field of ['capacity', 'allocatable']) {
    for (const [name, value] of Object.entries(obj(status[field]))) {
      errs.push(...validateResourceQuantityValue(name, value, `status.${field}.${name}`).errs);
    }
  }
  return errs;
}

/** Update (also used for status writes, as in Kubernetes). */
export function validateNodeUpdate(node: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(node['metadata'], old['metadata']);
  const seen: unknown[] = [];
  arr(obj(node['status'])['addresses']).forEach((address, i) => {
    if (seen.some((s) => semanticEqual(s, address))) errs.push(fieldErrors.duplicate(fieldPath.index('status.addresses', i), address));
    seen.push(address);
  });
  const oldCIDRs = podCIDRs(obj(old['spec']));
  const newCIDRs = podCIDRs(obj(node['spec']));
  if (oldCIDRs.length > 0) {
    // One error when the list length changes, else one per changed entry, as Kubernetes.
    const changes = oldCIDRs.length !== newCIDRs.length ? 1 : oldCIDRs.filter((c, i) => c !== newCIDRs[i]).length;
    for (let i = 0; i < changes; i++) {
      errs.push(fieldErrors.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    }
  }
  const oldProvider = str(obj(old['spec'])['providerID']) ?? '';
  if (oldProvider !== '' && oldProvider !== (str(obj(node['spec'])['providerID']) ?? '')) {
    errs.push(fieldErrors.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}
