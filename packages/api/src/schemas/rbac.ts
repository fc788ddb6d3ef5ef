/**
 * rbac.authorization.k8s.io/v1 (Role, ClusterRole, RoleBinding,
 * ClusterRoleBinding) and authorization.k8s.io/v1 SelfSubjectAccessReview
 * and SelfSubjectRulesReview: the objects the API server's RBAC authorizer
 * reads, and the requests `kubectl auth can-i` (and `can-i --list`) sends.
 */
import type { Static } from '@sinclair/typebox';
import { LabelSelectorSchema, ObjectMetaSchema } from './meta.js';
import { atomicList, bool, def, int64, mapOf, opt, str, time, typeMeta } from './schema-kit.js';

const RBAC = 'io.k8s.api.rbac.v1.';
const AUTHZ = 'io.k8s.api.authorization.v1.';

export const PolicyRuleSchema = def(`${RBAC}PolicyRule`, {
  verbs: atomicList(str()),
  apiGroups: opt(atomicList(str())),
  resources: opt(atomicList(str())),
  resourceNames: opt(atomicList(str())),
  nonResourceURLs: opt(atomicList(str())),
});
export type PolicyRule = Static<typeof PolicyRuleSchema>;

export const AggregationRuleSchema = def(`${RBAC}AggregationRule`, {
  clusterRoleSelectors: opt(atomicList(LabelSelectorSchema)),
});

export const RoleSchema = def(`${RBAC}Role`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  rules: opt(atomicList(PolicyRuleSchema)),
});
export type Role = Static<typeof RoleSchema>;

export const ClusterRoleSchema = def(`${RBAC}ClusterRole`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  rules: opt(atomicList(PolicyRuleSchema)),
  aggregationRule: opt(AggregationRuleSchema),
});
export type ClusterRole = Static<typeof ClusterRoleSchema>;

export const SubjectSchema = def(`${RBAC}Subject`, {
  kind: str(),
  apiGroup: opt(str()),
  name: str(),
  namespace: opt(str()),
});
export type Subject = Static<typeof SubjectSchema>;

export const RoleRefSchema = def(`${RBAC}RoleRef`, {
  apiGroup: str(),
  kind: str(),
  name: str(),
});
export type RoleRef = Static<typeof RoleRefSchema>;

export const RoleBindingSchema = def(`${RBAC}RoleBinding`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  subjects: opt(atomicList(SubjectSchema)),
  roleRef: RoleRefSchema,
});
export type RoleBinding = Static<typeof RoleBindingSchema>;

export const ClusterRoleBindingSchema = def(`${RBAC}ClusterRoleBinding`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  subjects: opt(atomicList(SubjectSchema)),
  roleRef: RoleRefSchema,
});
export type ClusterRoleBinding = Static<typeof ClusterRoleBindingSchema>;

export const ResourceAttributesSchema = def(`${AUTHZ}ResourceAttributes`, {
  namespace: opt(str()),
  verb: opt(str()),
  group: opt(str()),
  version: opt(str()),
  resource: opt(str()),
  subresource: opt(str()),
  name: opt(str()),
});
export type ResourceAttributes = Static<typeof ResourceAttributesSchema>;

export const NonResourceAttributesSchema = def(`${AUTHZ}NonResourceAttributes`, {
  path: opt(str()),
  verb: opt(str()),
});

export const SelfSubjectAccessReviewSpecSchema = def(`${AUTHZ}SelfSubjectAccessReviewSpec`, {
  resourceAttributes: opt(ResourceAttributesSchema),
  nonResourceAttributes: opt(NonResourceAttributesSchema),
});

export const SubjectAccessReviewStatusSchema = def(`${AUTHZ}SubjectAccessReviewStatus`, {
  allowed: bool(),
  denied: opt(bool()),
  reason: opt(str()),
  evaluationError: opt(str()),
});

export const SelfSubjectAccessReviewSchema = def(`${AUTHZ}SelfSubjectAccessReview`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: SelfSubjectAccessReviewSpecSchema,
  status: opt(SubjectAccessReviewStatusSchema),
});
export type SelfSubjectAccessReview = Static<typeof SelfSubjectAccessReviewSchema>;

/** A review of what another user may do (the delegated authorization of extension API servers, kube-rbac-proxy); never stored. */
export const SubjectAccessReviewSpecSchema = def(`${AUTHZ}SubjectAccessReviewSpec`, {
  resourceAttributes: opt(ResourceAttributesSchema),
  nonResourceAttributes: opt(NonResourceAttributesSchema),
  user: opt(str()),
  groups: opt(atomicList(str())),
  extra: opt(mapOf(atomicList(str()))),
  uid: opt(str()),
});

export const SubjectAccessReviewSchema = def(`${AUTHZ}SubjectAccessReview`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: SubjectAccessReviewSpecSchema,
  status: opt(SubjectAccessReviewStatusSchema),
});
export type SubjectAccessReview = Static<typeof SubjectAccessReviewSchema>;

/** A SubjectAccessReview scoped to the namespace it is created in. */
export const LocalSubjectAccessReviewSchema = def(`${AUTHZ}LocalSubjectAccessReview`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: SubjectAccessReviewSpecSchema,
  status: opt(SubjectAccessReviewStatusSchema),
});
export type LocalSubjectAccessReview = Static<typeof LocalSubjectAccessReviewSchema>;

export const SelfSubjectRulesReviewSpecSchema = def(`${AUTHZ}SelfSubjectRulesReviewSpec`, {
  namespace: opt(str()),
});

export const ResourceRuleSchema = def(`${AUTHZ}ResourceRule`, {
  verbs: atomicList(str()),
  apiGroups: opt(atomicList(str())),
  resources: opt(atomicList(str())),
  resourceNames: opt(atomicList(str())),
});
export type ResourceRule = Static<typeof ResourceRuleSchema>;

export const NonResourceRuleSchema = def(`${AUTHZ}NonResourceRule`, {
  verbs: atomicList(str()),
  nonResourceURLs: opt(atomicList(str())),
});
export type NonResourceRule = Static<typeof NonResourceRuleSchema>;

export const SubjectRulesReviewStatusSchema = def(`${AUTHZ}SubjectRulesReviewStatus`, {
  resourceRules: atomicList(ResourceRuleSchema),
  nonResourceRules: atomicList(NonResourceRuleSchema),
  incomplete: bool(),
  evaluationError: opt(str()),
});
export type SubjectRulesReviewStatus = Static<typeof SubjectRulesReviewStatusSchema>;

/** `kubectl auth can-i --list`: what the requester may do in `spec.namespace`; never stored. */
export const SelfSubjectRulesReviewSchema = def(`${AUTHZ}SelfSubjectRulesReview`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: SelfSubjectRulesReviewSpecSchema,
  status: opt(SubjectRulesReviewStatusSchema),
});
export type SelfSubjectRulesReview = Static<typeof SelfSubjectRulesReviewSchema>;

const AUTHN = 'io.k8s.api.authentication.v1.';

export const UserInfoSchema = def(`${AUTHN}UserInfo`, {
  username: opt(str()),
  uid: opt(str()),
  groups: opt(atomicList(str())),
  extra: opt(mapOf(atomicList(str()))),
});

export const SelfSubjectReviewSchema = def(`${AUTHN}SelfSubjectReview`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  status: opt(def(`${AUTHN}SelfSubjectReviewStatus`, { userInfo: opt(UserInfoSchema) })),
});
export type SelfSubjectReview = Static<typeof SelfSubjectReviewSchema>;

/** Who a bearer token belongs to (the delegated authentication of extension API servers); never stored. */
export const TokenReviewSchema = def(`${AUTHN}TokenReview`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: def(`${AUTHN}TokenReviewSpec`, { token: opt(str()), audiences: opt(atomicList(str())) }),
  status: opt(
    def(`${AUTHN}TokenReviewStatus`, {
      authenticated: opt(bool()),
      user: opt(UserInfoSchema),
      audiences: opt(atomicList(str())),
      error: opt(str()),
    }),
  ),
});
export type TokenReview = Static<typeof TokenReviewSchema>;

export const BoundObjectReferenceSchema = def(`${AUTHN}BoundObjectReference`, {
  kind: opt(str()),
  apiVersion: opt(str()),
  name: opt(str()),
  uid: opt(str()),
});

/** `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token` (`kubectl create token`): not stored. */
export const TokenRequestSchema = def(`${AUTHN}TokenRequest`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(
    def(`${AUTHN}TokenRequestSpec`, {
      audiences: opt(atomicList(str())),
      expirationSeconds: opt(int64()),
      boundObjectRef: opt(BoundObjectReferenceSchema),
    }),
  ),
  status: opt(def(`${AUTHN}TokenRequestStatus`, { token: str(), expirationTimestamp: time() })),
});
export type TokenRequest = Static<typeof TokenRequestSchema>;
