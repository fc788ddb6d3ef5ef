/**
 * Kubernetes validation for plain JSON objects, one function per kind (as
 * Kubernetes' `pkg/apis/<group>/validation`), returning `FieldError`s with
 * Kubernetes' field paths and wording. The API server's resource definitions
 * call them after decoding and defaulting, and answer 422 when the list is
 * not empty.
 *
 * ```ts
 * const errs = validatePod(pod, true);
 * const updateErrs = [...validatePodUpdate(newPod, oldPod), ...validatePod(newPod, true)];
 * ```
 */
export { validateAPIService, validateAPIServiceStatus, validateAPIServiceUpdate } from './apiservice.js';
export { validateBinding } from './binding.js';
export { validateConfigMap, validateConfigMapUpdate } from './config-map.js';
export { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from './crd.js';
export { validateDeployment, validateDeploymentStatus, validateDeploymentUpdate } from './deployment.js';
export { validateEndpoints, validateEndpointsUpdate } from './endpoints.js';
export { validateEvent } from './event.js';
export { validateHPA, validateHPAStatus, validateHPAUpdate } from './hpa.js';
export { validateLease, validateLeaseUpdate } from './lease.js';
export { validateNamespace, validateNamespaceStatusUpdate, validateNamespaceUpdate } from './namespace.js';
export { validateNode, validateNodeUpdate } from './node.js';
export { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
export { validateReplicaSet, validateReplicaSetStatus, validateReplicaSetUpdate } from './replica-set.js';
export { validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './rbac.js';
export { validateScale } from './scale.js';
export { validateSecret, validateSecretUpdate } from './secret.js';
export { validateService, validateServiceStatusUpdate, validateServiceUpdate } from './service.js';
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
