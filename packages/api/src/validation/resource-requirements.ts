/**
 * Container resource requirements and resource quantities (core validation's
 * ValidateResourceRequirements / ValidateResourceQuantityValue).
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import type { Quantity } from '../quantity.js';
import { IS_NEGATIVE, invalidEach, quantityAt } from './common.js';
import { obj } from './json.js';
import { isQualifiedName } from './names.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

/** Native resources are un-prefixed or in the kubernetes.io domain. */
function isNative(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Extended resources: domain-prefixed, outside kubernetes.io, not quota names. */
function isExtended(name: string): boolean {
  return !isNative(name) && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`).length === 0;
}

/** Requests may be below limits only for native, non-hugepage resources. */
function overcommitAllowed(name: string): boolean {
  return isNative(name) && !isHugePages(name);
}

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const nameErrs = invalidEach(path, name, isQualifiedName(name));
  if (nameErrs.length > 0) return nameErrs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name)) {
      return [fieldErrors.invalid(path, name, 'must be a standard resource type or fully qualified')];
    }
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
      return [fieldErrors.invalid(path, name, 'must be a standard resource for containers')];
    }
  } else if (!isNative(name) && !isExtended(name)) {
    return [fieldErrors.invalid(path, name, "doesn't follow extended resource name standard")];
  }
  return [];
}

/** A quantity must be non-negative, and whole for extended (integer) resources. */
export function validateResourceQuantityValue(name: string, value: unknown, path: string): { errs: FieldError[]; q?: Quantity } {
  const errs: FieldError[] = [];
  const q = quantityAt(value, path, errs);
  if (!q) return { errs };
  if (q.sign() < 0) errs.push(fieldErrors.invalid(path, q.toString(), IS_NEGATIVE));
  if (isExtended(name) && q.scaledValue(-3) % 1000n !== 0n) errs.push(fieldErrors.invalid(path, q.toString(), 'must be an integer'));
  return { errs, q };
}

/** `resources.limits` / `resources.requests` of a container: names, quantities, requests <= limits. */
export function validateResourceRequirements(resources: unknown, path: string): FieldError[] {
  const res = obj(resources);
  const limitsPath = fieldPath.child(path, 'limits');
  const requestsPath = fieldPath.child(path, 'requests');
  const errs: FieldError[] = [];
  const limits = new Map<string, Quantity>();
  for (const [name, value] of Object.entries(obj(res['limits'])).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const p = fieldPath.key(limitsPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const { errs: qErrs, q } = validateResourceQuantityValue(name, value, p);
    errs.push(...qErrs);
    if (q) limits.set(name, q);
  }
  for (const [name, value] of Object.entries(obj(res['requests'])).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const p = fieldPath.key(requestsPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const { errs: qErrs, q } = validateResourceQuantityValue(name, value, p);
    errs.push(...qErrs);
    if (!q) continue;
    const limit = limits.get(name);
    if (limit) {
      if (q.cmp(limit) !== 0 && !overcommitAllowed(name)) {
        errs.push(fieldErrors.invalid(requestsPath, q.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
      } else if (q.cmp(limit) > 0) {
        errs.push(fieldErrors.invalid(requestsPath, q.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
      }
    } else if (!overcommitAllowed(name)) {
      errs.push(fieldErrors.required(limitsPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}
