/**
 * @mk8s/api: the Kubernetes object model of mk8s. Pure: no I/O.
 *
 * - schemas and types of every resource (TypeBox: JSON Schema + TypeScript),
 *   the resource table (`RESOURCE_TYPES`), decoding with pruning of unknown
 *   fields, defaulting, validation with field paths, OpenAPI documents;
 * - label and field selectors, resource quantities.
 *
 * @example
 * ```ts
 * import { resourceFor, decodeObject, defaultPod, validatePod, parseLabelSelector } from '@mk8s/api';
 * const pods = resourceFor('', 'v1', 'pods')!;
 * const { object, errors } = decodeObject(pods.schema, JSON.parse(body));
 * defaultPod(object);
 * const problems = validatePod(object, true); // FieldError[]
 * parseLabelSelector('app=web,tier!=db').matches({ app: 'web' }); // true
 * ```
 */
export * from './field-errors.js';
export * from './schemas/meta.js';
export * from './schemas/core-pod.js';
export * from './schemas/core.js';
export * from './schemas/core-policy.js';
export * from './schemas/apps.js';
export * from './schemas/autoscaling.js';
export * from './schemas/coordination.js';
export * from './schemas/policy.js';
export * from './schemas/rbac.js';
export * from './schemas/apiextensions.js';
export * from './schemas/apiregistration.js';
export {
  KIND_SCHEMAS,
  RESOURCE_TYPES,
  definitionOf,
  resourceFor,
  resourceForKind,
  servedGroupVersions,
  type KindSchema,
  type ResourceType,
} from './resources.js';
export { cloneJson, decodeObject, type DecodeResult } from './decode.js';
export {
  defaultDeployment,
  defaultEndpoints,
  defaultHorizontalPodAutoscaler,
  defaultNamespace,
  defaultNamespaceOnCreate,
  defaultNode,
  defaultPod,
  defaultReplicaSet,
  defaultSecret,
  defaultService,
  defaultContainer,
  defaultPodSpec,
  defaultPodTemplate,
  imageTag,
  DEFAULT_SCHEDULER_NAME,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
} from './defaults.js';
export { buildOpenAPIV2, buildOpenAPIV3, buildOpenAPIV3Index, type OpenAPIV3Index } from './openapi.js';
export {
  Everything,
  Nothing,
  SelectorParseError,
  isNothing,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  type LabelOperator,
  type Requirement,
  type Selector,
} from './labels.js';
export {
  EverythingFields,
  FieldSelectorParseError,
  fieldSelectorFromSet,
  parseFieldSelector,
  unsupportedFieldLabels,
  type FieldRequirement,
  type FieldSelector,
} from './fields.js';
export { Quantity, QuantityError, isQuantity, parseQuantity, type QuantityFormat } from './quantity.js';
export {
  addUsage,
  countName,
  countedResource,
  exceeded,
  hardOf,
  missingPodConstraints,
  objectUsage,
  podCountsForQuota,
  usageFor,
  usageNames,
  POD_CONSTRAINED,
  type Usage,
} from './quota.js';
export {
  validateAPIService,
  validateAPIServiceStatus,
  validateAPIServiceUpdate,
  validateBinding,
  validateBindingUpdate,
  validateClusterRole,
  validateClusterRoleBinding,
  validateConfigMap,
  validateConfigMapUpdate,
  validateCustomResourceDefinition,
  validateCustomResourceDefinitionUpdate,
  validateDeployment,
  validateDeploymentStatus,
  validateDeploymentUpdate,
  validateEndpoints,
  validateEndpointsUpdate,
  validateEvent,
  validateHPA,
  validateHPAStatus,
  validateHPAUpdate,
  validateLease,
  validateLeaseUpdate,
  validateNamespace,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
  validateNode,
  validateNodeUpdate,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validatePod,
  validatePodStatusUpdate,
  validatePodUpdate,
  validateReplicaSet,
  validateReplicaSetStatus,
  validateReplicaSetUpdate,
  validateRole,
  validateRoleBinding,
  validateScale,
  validateSecret,
  validateSecretUpdate,
  validateService,
  validateServiceStatusUpdate,
  validateServiceUpdate,
} from './validation/index.js';
export {
  controllerRef,
  isPodActive,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  podCondition,
  podRequests,
  resourceAmount,
  resourceAmounts,
  type ResourceAmounts,
} from './pod-util.js';
export { isLoopbackAddress, isLoopbackHost } from './loopback.js';
export { deepEqual } from './util/deep-equal.js';
export { inWireOrder } from './wire-order.js';
export { errorMessage } from './util/error-message.js';
export { parseBoolParam } from './util/bool-param.js';
export { intToIpv4, ipv4ToInt } from './util/ipv4.js';
export { metaTime, microTime } from './util/time.js';
