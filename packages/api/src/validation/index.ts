/**
 * Kubernetes validation for plain JSON objects, by kind, returning `FieldError`s with
 * Kubernetes' field paths and wording. The API server calls these after decoding and
 * defaulting, and answers 422 when the list is not empty.
 *
 * ```ts
 * const errs = validateObject('Pod', pod, { namespaced: true });
 * const updateErrs = validateObjectUpdate('Pod', newPod, oldPod, { namespaced: true });
 * ```
 *
 * Kinds without specific rules get metadata validation only. Identical errors are
 * reported once.
 */
import type { FieldError } from '../field-errors.js';
import { validateBinding } from './binding.js';
import { validateConfigMap, validateConfigMapUpdate } from './config-map.js';
import { validateDeployment, validateDeploymentStatus, validateDeploymentUpdate } from './deployment.js';
import { validateEndpoints, validateEndpointsUpdate } from './endpoints.js';
import { validateEvent } from './event.js';
import { validateHPA, validateHPAStatus, validateHPAUpdate } from './hpa.js';
import { obj, type JsonObject } from './json.js';
import { validateLease, validateLeaseUpdate } from './lease.js';
import { validateNamespace, validateNamespaceStatusUpdate, validateNamespaceUpdate } from './namespace.js';
import { validateNode, validateNodeUpdate } from './node.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import { validateReplicaSet, validateReplicaSetStatus, validateReplicaSetUpdate } from './replica-set.js';
import { validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './rbac.js';
import { validateScale } from './scale.js';
import { validateSecret, validateSecretUpdate } from './secret.js';
import { validateService, validateServiceStatusUpdate, validateServiceUpdate } from './service.js';

export interface ValidationOptions {
  /** Whether the kind is namespace-scoped (metadata.namespace required) or cluster-scoped (forbidden). */
  namespaced: boolean;
}

type Create = (obj: JsonObject, opts: ValidationOptions) => FieldError[];
type Update = (obj: JsonObject, old: JsonObject, opts: ValidationOptions) => FieldError[];

interface KindRules {
  create: Create;
  /** Update-only rules; the new object's full validation runs as well. */
  update?: Update;
  /** Status-subresource rules, besides metadata update rules. */
  status?: Update;
}

const metaUpdate: Update = (o, old) => validateObjectMetaUpdate(o['metadata'], old['metadata']);

const RULES: Readonly<Record<string, KindRules>> = {
  Pod: {
    create: (o, { namespaced }) => validatePod(o, namespaced),
    update: (o, old) => validatePodUpdate(o, old),
    status: (o, old) => validatePodStatusUpdate(o, old),
  },
  Node: {
    create: (o) => validateNode(o),
    update: (o, old) => validateNodeUpdate(o, old),
    status: (o, old) => [...validateNodeUpdate(o, old), ...validateNode(o)],
  },
  Service: {
    create: (o, { namespaced }) => validateService(o, namespaced),
    update: (o, old) => validateServiceUpdate(o, old),
    status: (o, old) => validateServiceStatusUpdate(o, old),
  },
  Endpoints: { create: (o, { namespaced }) => validateEndpoints(o, namespaced), update: (o, old) => validateEndpointsUpdate(o, old) },
  Event: {
    // Events get only the generic metadata check (path-segment names) besides their own rules.
    create: (o, { namespaced }) => [...validateEvent(o), ...validateObjectMeta(o['metadata'], { namespaced, nameRule: 'path-segment' })],
    update: metaUpdate,
  },
  ConfigMap: { create: (o, { namespaced }) => validateConfigMap(o, namespaced), update: (o, old) => validateConfigMapUpdate(o, old) },
  Secret: { create: (o, { namespaced }) => validateSecret(o, namespaced), update: (o, old) => validateSecretUpdate(o, old) },
  Namespace: {
    create: (o) => validateNamespace(o),
    update: (o, old) => validateNamespaceUpdate(o, old),
    status: (o, old) => validateNamespaceStatusUpdate(o, old),
  },
  Lease: { create: (o, { namespaced }) => validateLease(o, namespaced), update: (o, old) => validateLeaseUpdate(o, old) },
  ReplicaSet: {
    create: (o, { namespaced }) => validateReplicaSet(o, namespaced),
    update: (o, old) => validateReplicaSetUpdate(o, old),
    status: (o, old) => [...metaUpdate(o, old, { namespaced: true }), ...validateReplicaSetStatus(obj(o['status']))],
  },
  Deployment: {
    create: (o, { namespaced }) => validateDeployment(o, namespaced),
    update: (o, old) => validateDeploymentUpdate(o, old),
    status: (o, old) => [...metaUpdate(o, old, { namespaced: true }), ...validateDeploymentStatus(obj(o['status']))],
  },
  HorizontalPodAutoscaler: {
    create: (o, { namespaced }) => validateHPA(o, namespaced),
    update: (o, old) => validateHPAUpdate(o, old),
    status: (o, old) => [...metaUpdate(o, old, { namespaced: true }), ...validateHPAStatus(obj(o['status']))],
  },
  Binding: { create: (o) => validateBinding(o) },
  Role: { create: (o, { namespaced }) => validateRole(o, namespaced), update: metaUpdate },
  ClusterRole: { create: (o) => validateClusterRole(o), update: metaUpdate },
  RoleBinding: { create: (o, { namespaced }) => validateRoleBinding(o, namespaced), update: (o, old) => validateBindingUpdate(o, old) },
  ClusterRoleBinding: { create: (o) => validateClusterRoleBinding(o), update: (o, old) => validateBindingUpdate(o, old) },
  Scale: { create: (o, { namespaced }) => validateScale(o, namespaced), update: () => [] },
};

function rulesFor(kind: string): KindRules | undefined {
  return Object.hasOwn(RULES, kind) ? RULES[kind] : undefined;
}

function unique(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const id = `${e.type}\u0000${e.field}\u0000${e.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Validates an object being created. */
export function validateObject(kind: string, obj: Record<string, unknown>, opts: ValidationOptions): FieldError[] {
  const rules = rulesFor(kind);
  return unique(rules ? rules.create(obj, opts) : validateObjectMeta(obj['metadata'], opts));
}

/** Validates a full update: the new object as on create, plus the kind's update rules against `old`. */
export function validateObjectUpdate(kind: string, obj: Record<string, unknown>, old: Record<string, unknown>, opts: ValidationOptions): FieldError[] {
  const rules = rulesFor(kind);
  if (!rules) return unique([...metaUpdate(obj, old, opts), ...validateObjectMeta(obj['metadata'], opts)]);
  // A kind without update rules (Binding) is never updated in place; metadata rules still hold.
  const update = rules.update ?? metaUpdate;
  return unique([...update(obj, old, opts), ...rules.create(obj, opts)]);
}

/** Validates a write to the status subresource: metadata update rules plus light status checks. */
export function validateStatusUpdate(kind: string, obj: Record<string, unknown>, old: Record<string, unknown>, opts: ValidationOptions): FieldError[] {
  const status = rulesFor(kind)?.status ?? metaUpdate;
  return unique(status(obj, old, opts));
}

export type { NameRule } from './names.js';
export type { ObjectMetaOptions } from './object-meta.js';
export { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
export { validatePodSpec, validatePodTemplateSpec } from './pod-spec.js';
export { validateLabelSelector } from './common.js';
export {
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isHTTPHeaderName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidCIDR,
  isValidIP,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  validateNameByRule,
} from './names.js';
