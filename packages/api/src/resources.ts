/**
 * The resource table: every REST resource the API server serves, with the names discovery
 * publishes (`kubectl api-resources`) and the schema its bodies decode against. Kinds that
 * are only ever request or response bodies (Binding, Scale, Eviction, DeleteOptions, Status,
 * Table) are in `KIND_SCHEMAS`.
 */
import type { TObject } from '@sinclair/typebox';
import { CustomResourceDefinitionSchema } from './schemas/apiextensions.js';
import { APIServiceSchema } from './schemas/apiregistration.js';
import { DeploymentSchema, ReplicaSetSchema } from './schemas/apps.js';
import { HorizontalPodAutoscalerSchema, HorizontalPodAutoscalerV1Schema, ScaleSchema } from './schemas/autoscaling.js';
import { LeaseSchema } from './schemas/coordination.js';
import { EventV1Schema } from './schemas/events.js';
import { PodSchema } from './schemas/core-pod.js';
import {
  BindingSchema,
  ConfigMapSchema,
  EndpointsSchema,
  EventSchema,
  NamespaceSchema,
  NodeSchema,
  SecretSchema,
  ServiceAccountSchema,
  ServiceSchema,
} from './schemas/core.js';
import { LimitRangeSchema, ResourceQuotaSchema } from './schemas/core-policy.js';
import { DeleteOptionsSchema, StatusSchema, TableSchema, WatchEventSchema } from './schemas/meta.js';
import { EvictionSchema } from './schemas/policy.js';
import {
  ClusterRoleBindingSchema,
  ClusterRoleSchema,
  RoleBindingSchema,
  RoleSchema,
  LocalSubjectAccessReviewSchema,
  SelfSubjectAccessReviewSchema,
  SelfSubjectReviewSchema,
  SubjectAccessReviewSchema,
  TokenReviewSchema,
  SelfSubjectRulesReviewSchema,
  TokenRequestSchema,
} from './schemas/rbac.js';
import { DEFINITION_KEY } from './schemas/schema-kit.js';

export interface ResourceType {
  /** API group, `''` for the core group. */
  group: string;
  version: string;
  /** `v1` or `<group>/<version>`. */
  apiVersion: string;
  kind: string;
  listKind: string;
  /** Plural lower-case name used in URLs (`pods`). */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  schema: TObject;
  /** OpenAPI definition name, e.g. `io.k8s.api.core.v1.Pod`. */
  definition: string;
  /** Subresources served under `<resource>/<name>/<subresource>` (`status`, `scale`, `binding`...). */
  subresources: readonly string[];
  /** The verbs discovery lists when not all of them (create-only reviews such as SelfSubjectAccessReview). */
  verbs?: readonly string[];
  /** False for kinds strategic merge patch does not apply to (custom resources); OpenAPI then leaves it out of PATCH. */
  strategicMergePatch?: boolean;
}

function resourceType(
  apiVersion: string,
  kind: string,
  resource: string,
  namespaced: boolean,
  schema: TObject,
  names: { shortNames?: string[]; categories?: string[]; subresources?: string[]; verbs?: string[] } = {},
): ResourceType {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return {
    group,
    version,
    apiVersion,
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    schema,
    definition: definitionOf(schema),
    subresources: names.subresources ?? [],
    verbs: names.verbs,
  };
}

/** The definition name a schema carries (`x-mk8s-definition`). */
export function definitionOf(schema: TObject): string {
  const name = (schema as unknown as Record<string, unknown>)[DEFINITION_KEY];
  if (typeof name !== 'string') throw new Error('schema has no definition name');
  return name;
}

const ALL = ['all'];

export const RESOURCE_TYPES: readonly ResourceType[] = Object.freeze([
  resourceType('v1', 'Namespace', 'namespaces', false, NamespaceSchema, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  resourceType('v1', 'Pod', 'pods', true, PodSchema, {
    shortNames: ['po'],
    categories: ALL,
    subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'proxy'],
  }),
  resourceType('v1', 'Node', 'nodes', false, NodeSchema, { shortNames: ['no'], subresources: ['status'] }),
  resourceType('v1', 'Service', 'services', true, ServiceSchema, { shortNames: ['svc'], categories: ALL, subresources: ['status', 'proxy'] }),
  resourceType('v1', 'Endpoints', 'endpoints', true, EndpointsSchema, { shortNames: ['ep'] }),
  resourceType('v1', 'Event', 'events', true, EventSchema, { shortNames: ['ev'] }),
  resourceType('v1', 'ConfigMap', 'configmaps', true, ConfigMapSchema, { shortNames: ['cm'] }),
  resourceType('v1', 'Secret', 'secrets', true, SecretSchema),
  resourceType('v1', 'ServiceAccount', 'serviceaccounts', true, ServiceAccountSchema, { shortNames: ['sa'], subresources: ['token'] }),
  resourceType('v1', 'ResourceQuota', 'resourcequotas', true, ResourceQuotaSchema, { shortNames: ['quota'], subresources: ['status'] }),
  resourceType('v1', 'LimitRange', 'limitranges', true, LimitRangeSchema, { shortNames: ['limits'] }),
  resourceType('coordination.k8s.io/v1', 'Lease', 'leases', true, LeaseSchema),
  // Served over the core/v1 Events, converted.
  resourceType('events.k8s.io/v1', 'Event', 'events', true, EventV1Schema, { shortNames: ['ev'] }),
  resourceType('apps/v1', 'ReplicaSet', 'replicasets', true, ReplicaSetSchema, {
    shortNames: ['rs'],
    categories: ALL,
    subresources: ['status', 'scale'],
  }),
  resourceType('apps/v1', 'Deployment', 'deployments', true, DeploymentSchema, {
    shortNames: ['deploy'],
    categories: ALL,
    subresources: ['status', 'scale'],
  }),
  resourceType('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, HorizontalPodAutoscalerSchema, {
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status'],
  }),
  // Served over the autoscaling/v2 objects, converted (after v2: discovery prefers v2).
  resourceType('autoscaling/v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, HorizontalPodAutoscalerV1Schema, {
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status'],
  }),
  resourceType('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false, ClusterRoleSchema),
  resourceType('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false, ClusterRoleBindingSchema),
  resourceType('rbac.authorization.k8s.io/v1', 'Role', 'roles', true, RoleSchema),
  resourceType('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true, RoleBindingSchema),
  // Not stored: the API server answers a create with the review's decision, rules or user (auth/access-review.ts).
  resourceType('authorization.k8s.io/v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, SelfSubjectAccessReviewSchema, { verbs: ['create'] }),
  resourceType('authorization.k8s.io/v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, SelfSubjectRulesReviewSchema, { verbs: ['create'] }),
  resourceType('authentication.k8s.io/v1', 'SelfSubjectReview', 'selfsubjectreviews', false, SelfSubjectReviewSchema, { verbs: ['create'] }),
  // Not stored either: the delegated authentication and authorization extension API servers ask for (auth/access-review.ts).
  resourceType('authorization.k8s.io/v1', 'SubjectAccessReview', 'subjectaccessreviews', false, SubjectAccessReviewSchema, { verbs: ['create'] }),
  resourceType('authorization.k8s.io/v1', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true, LocalSubjectAccessReviewSchema, {
    verbs: ['create'],
  }),
  resourceType('authentication.k8s.io/v1', 'TokenReview', 'tokenreviews', false, TokenReviewSchema, { verbs: ['create'] }),
  resourceType('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, CustomResourceDefinitionSchema, {
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
  resourceType('apiregistration.k8s.io/v1', 'APIService', 'apiservices', false, APIServiceSchema, {
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
]);

/** Looks a resource up by URL coordinates: `resourceFor('apps', 'v1', 'deployments')`. */
export function resourceFor(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** Looks a resource up by a body's `apiVersion` and `kind`: `resourceForKind('v1', 'Pod')`. */
export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.apiVersion === apiVersion && r.kind === kind);
}

/** A kind that is not a stored resource, with the apiVersion its bodies carry. */
export interface KindSchema {
  apiVersion: string;
  kind: string;
  schema: TObject;
  definition: string;
}

function kindSchema(apiVersion: string, kind: string, schema: TObject): KindSchema {
  return { apiVersion, kind, schema, definition: definitionOf(schema) };
}

/**
 * Request/response-only kinds by kind name. `DeleteOptions`, `Status` and `Table` are
 * meta.k8s.io kinds that clients send under several apiVersions (`v1`, `meta.k8s.io/v1`).
 */
export const KIND_SCHEMAS: Readonly<Record<string, KindSchema>> = Object.freeze({
  Binding: kindSchema('v1', 'Binding', BindingSchema),
  Scale: kindSchema('autoscaling/v1', 'Scale', ScaleSchema),
  Eviction: kindSchema('policy/v1', 'Eviction', EvictionSchema),
  TokenRequest: kindSchema('authentication.k8s.io/v1', 'TokenRequest', TokenRequestSchema),
  DeleteOptions: kindSchema('meta.k8s.io/v1', 'DeleteOptions', DeleteOptionsSchema),
  Status: kindSchema('v1', 'Status', StatusSchema),
  Table: kindSchema('meta.k8s.io/v1', 'Table', TableSchema),
  WatchEvent: kindSchema('meta.k8s.io/v1', 'WatchEvent', WatchEventSchema),
});

/** Every group/version served, in discovery order: `['v1', 'apps/v1', ...]`. */
export function servedGroupVersions(): string[] {
  const out: string[] = [];
  for (const r of RESOURCE_TYPES) if (!out.includes(r.apiVersion)) out.push(r.apiVersion);
  return out;
}
