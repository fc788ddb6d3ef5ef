/**
 * rbac.authorization.k8s.io/v1: names are path segments (`system:node` is a
 * valid name), rules say which verbs on what (resources or non-resource
 * URLs, never both; namespaced roles never name URLs; resourceNames only with
 * a single resource), bindings point at a Role or ClusterRole of this API
 * group by a path-segment name and name User, Group or ServiceAccount
 * subjects (a ServiceAccount by a valid ServiceAccount name, a DNS-1123
 * subdomain). A binding's roleRef never changes.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { arr, obj, str, type JsonObject } from './json.js';
import { invalidEach } from './common.js';
import { isDNS1123Subdomain, isValidPathSegmentName } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validateRule(ruleValue: unknown, path: string, namespaced: boolean): FieldError[] {
  const rule = obj(ruleValue);
  const errs: FieldError[] = [];
  if (arr(rule['verbs']).length === 0) errs.push(fieldErrors.required(fieldPath.child(path, 'verbs'), 'verbs must contain at least one value'));
  const urls = arr(rule['nonResourceURLs']);
  const resourceNames = arr(rule['resourceNames']);
  if (urls.length > 0) {
    if (namespaced) errs.push(fieldErrors.invalid(fieldPath.child(path, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (arr(rule['apiGroups']).length > 0 || arr(rule['resources']).length > 0 || resourceNames.length > 0) {
      errs.push(fieldErrors.invalid(fieldPath.child(path, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (arr(rule['apiGroups']).length === 0)
    errs.push(fieldErrors.required(fieldPath.child(path, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (arr(rule['resources']).length === 0)
    errs.push(fieldErrors.required(fieldPath.child(path, 'resources'), 'resource rules must supply at least one resource'));
  if (resourceNames.length > 0 && arr(rule['resources']).length > 1) {
    errs.push(fieldErrors.required(fieldPath.child(path, 'resourceNames'), 'resource names cannot apply to multiple resources'));
  }
  return errs;
}

function validateRules(rules: unknown, namespaced: boolean): FieldError[] {
  return arr(rules).flatMap((r, i) => validateRule(r, fieldPath.index('rules', i), namespaced));
}

export function validateRole(role: JsonObject, namespaced = true): FieldError[] {
  return [...validateObjectMeta(role['metadata'], { namespaced, nameRule: 'path-segment' }), ...validateRules(role['rules'], true)];
}

export function validateClusterRole(role: JsonObject): FieldError[] {
  return [...validateObjectMeta(role['metadata'], { namespaced: false, nameRule: 'path-segment' }), ...validateRules(role['rules'], false)];
}

function validateSubjects(subjects: unknown, clusterBinding: boolean): FieldError[] {
  const errs: FieldError[] = [];
  arr(subjects).forEach((value, i) => {
    const s = obj(value);
    const path = fieldPath.index('subjects', i);
    const namePath = fieldPath.child(path, 'name');
    const kind = str(s['kind']) ?? '';
    const apiGroup = str(s['apiGroup']) ?? '';
    const name = str(s['name']) ?? '';
    if (name === '') errs.push(fieldErrors.required(namePath, ''));
    switch (kind) {
      case 'ServiceAccount':
        // A ServiceAccount subject names a ServiceAccount, whose names are DNS-1123 subdomains.
        if (name !== '') errs.push(...invalidEach(namePath, name, isDNS1123Subdomain(name)));
        if (apiGroup !== '') errs.push(fieldErrors.notSupported(fieldPath.child(path, 'apiGroup'), apiGroup, ['']));
        if (clusterBinding && !str(s['namespace'])) errs.push(fieldErrors.required(fieldPath.child(path, 'namespace'), ''));
        break;
      case 'User':
      case 'Group':
        if (name === '') errs.push(fieldErrors.invalid(namePath, name, `${kind === 'User' ? 'user' : 'group'} name cannot be empty`));
        if (apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported(fieldPath.child(path, 'apiGroup'), apiGroup, [RBAC_GROUP]));
        break;
      default:
        errs.push(fieldErrors.notSupported(fieldPath.child(path, 'kind'), kind, ['ServiceAccount', 'User', 'Group']));
    }
  });
  return errs;
}

function validateRoleRef(refValue: unknown, kinds: string[]): FieldError[] {
  const ref = obj(refValue);
  const errs: FieldError[] = [];
  const apiGroup = str(ref['apiGroup']) ?? '';
  const kind = str(ref['kind']) ?? '';
  if (apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  if (!kinds.includes(kind)) errs.push(fieldErrors.notSupported('roleRef.kind', kind, kinds));
  const name = str(ref['name']) ?? '';
  if (name === '') errs.push(fieldErrors.required('roleRef.name', ''));
  else errs.push(...invalidEach('roleRef.name', name, isValidPathSegmentName(name)));
  return errs;
}

export function validateRoleBinding(binding: JsonObject, namespaced = true): FieldError[] {
  return [
    ...validateObjectMeta(binding['metadata'], { namespaced, nameRule: 'path-segment' }),
    ...validateRoleRef(binding['roleRef'], ['Role', 'ClusterRole']),
    ...validateSubjects(binding['subjects'], false),
  ];
}

export function validateClusterRoleBinding(binding: JsonObject): FieldError[] {
  return [
    ...validateObjectMeta(binding['metadata'], { namespaced: false, nameRule: 'path-segment' }),
    ...validateRoleRef(binding['roleRef'], ['ClusterRole']),
    ...validateSubjects(binding['subjects'], true),
  ];
}

export function validateBindingUpdate(binding: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(binding['metadata'], old['metadata']);
  const a = obj(binding['roleRef']);
  const b = obj(old['roleRef']);
  if (a['apiGroup'] !== b['apiGroup'] || a['kind'] !== b['kind'] || a['name'] !== b['name']) {
    errs.push(fieldErrors.invalid('roleRef', a, 'cannot change roleRef'));
  }
  return errs;
}
