/**
 * Namespaces (cluster-scoped, DNS-1123 label names): spec.finalizers names; status
 * phase must agree with deletionTimestamp.
 */
import { fieldErrors, type FieldError } from '../field-errors.js';
import { invalidEach } from './common.js';
import { arr, has, obj, str, type JsonObject } from './json.js';
import { isQualifiedName } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const STANDARD = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

function validateSpecFinalizers(ns: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const raw of arr(obj(ns['spec'])['finalizers'])) {
    const name = str(raw) ?? '';
    errs.push(...invalidEach('spec.finalizers', name, isQualifiedName(name)));
    if (!name.includes('/') && !STANDARD.has(name)) {
      errs.push(fieldErrors.invalid('spec.finalizers', name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

export function validateNamespace(ns: JsonObject): FieldError[] {
  return [...validateObjectMeta(ns['metadata'], { namespaced: false, nameRule: 'label' }), ...validateSpecFinalizers(ns)];
}

export function validateNamespaceUpdate(ns: JsonObject, old: JsonObject): FieldError[] {
  return validateObjectMetaUpdate(ns['metadata'], old['metadata']);
}

/** Kubernetes reports these at `status.Phase` (capital P). */
export function validateNamespaceStatusUpdate(ns: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(ns['metadata'], old['metadata']);
  const phase = str(obj(ns['status'])['phase']) ?? '';
  if (!has(obj(ns['metadata']), 'deletionTimestamp')) {
    if (phase !== 'Active') errs.push(fieldErrors.invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(fieldErrors.invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}
