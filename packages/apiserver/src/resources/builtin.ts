/**
 * The built-in resources, in discovery order: the one list of kinds the
 * API server serves. A new kind is a folder beside this file plus one line
 * here (docs/api-server.md, "Adding a resource").
 */
import type { ResourceDefinition } from './definition.js';
import { apiServices } from './apiservices/index.js';
import { clusterRoleBindings } from './clusterrolebindings/index.js';
import { clusterRoles } from './clusterroles/index.js';
import { configMaps } from './configmaps/index.js';
import { customResourceDefinitions } from './customresourcedefinitions/index.js';
import { deployments } from './deployments/index.js';
import { endpoints } from './endpoints/index.js';
import { events } from './events/index.js';
import { eventsV1 } from './events-v1/index.js';
import { horizontalPodAutoscalers } from './horizontalpodautoscalers/index.js';
import { horizontalPodAutoscalersV1 } from './horizontalpodautoscalers/v1.js';
import { leases } from './leases/index.js';
import { limitRanges } from './limitranges/index.js';
import { namespaces } from './namespaces/index.js';
import { nodes } from './nodes/index.js';
import { pods } from './pods/index.js';
import { replicaSets } from './replicasets/index.js';
import { resourceQuotas } from './resourcequotas/index.js';
import { roleBindings } from './rolebindings/index.js';
import { roles } from './roles/index.js';
import { secrets } from './secrets/index.js';
import { selfSubjectAccessReviews } from './selfsubjectaccessreviews/index.js';
import { selfSubjectReviews } from './selfsubjectreviews/index.js';
import { selfSubjectRulesReviews } from './selfsubjectrulesreviews/index.js';
import { serviceAccounts } from './serviceaccounts/index.js';
import { subjectAccessReviews } from './subjectaccessreviews/index.js';
import { localSubjectAccessReviews } from './localsubjectaccessreviews/index.js';
import { tokenReviews } from './tokenreviews/index.js';
import { services } from './services/index.js';

export const BUILTIN_RESOURCES: readonly ResourceDefinition[] = Object.freeze([
  namespaces,
  pods,
  nodes,
  services,
  endpoints,
  events,
  configMaps,
  secrets,
  serviceAccounts,
  resourceQuotas,
  limitRanges,
  leases,
  eventsV1,
  replicaSets,
  deployments,
  horizontalPodAutoscalers,
  horizontalPodAutoscalersV1,
  clusterRoles,
  clusterRoleBindings,
  roles,
  roleBindings,
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  selfSubjectReviews,
  subjectAccessReviews,
  localSubjectAccessReviews,
  tokenReviews,
  customResourceDefinitions,
  apiServices,
]);
