/**
 * Which protobuf message carries each apiVersion/kind this server decodes.
 * Only kinds listed here are accepted in protobuf request bodies; anything
 * else is rejected with a ProtobufDecodeError naming the kind.
 */
const CORE = 'k8s.io.api.core.v1';
const APPS = 'k8s.io.api.apps.v1';
const AUTOSCALING_V1 = 'k8s.io.api.autoscaling.v1';
const AUTOSCALING_V2 = 'k8s.io.api.autoscaling.v2';
const COORDINATION = 'k8s.io.api.coordination.v1';
const POLICY = 'k8s.io.api.policy.v1';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const RBAC = 'k8s.io.api.rbac.v1';

const KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  v1: {
    Namespace: `${CORE}.Namespace`,
    Pod: `${CORE}.Pod`,
    Node: `${CORE}.Node`,
    Service: `${CORE}.Service`,
    Endpoints: `${CORE}.Endpoints`,
    Event: `${CORE}.Event`,
    ConfigMap: `${CORE}.ConfigMap`,
    Secret: `${CORE}.Secret`,
    Binding: `${CORE}.Binding`,
    ServiceAccount: `${CORE}.ServiceAccount`,
    ResourceQuota: `${CORE}.ResourceQuota`,
    PersistentVolumeClaim: `${CORE}.PersistentVolumeClaim`,
  },
  'apps/v1': {
    Deployment: `${APPS}.Deployment`,
    ReplicaSet: `${APPS}.ReplicaSet`,
  },
  'autoscaling/v1': {
    HorizontalPodAutoscaler: `${AUTOSCALING_V1}.HorizontalPodAutoscaler`,
    Scale: `${AUTOSCALING_V1}.Scale`,
  },
  'autoscaling/v2': {
    HorizontalPodAutoscaler: `${AUTOSCALING_V2}.HorizontalPodAutoscaler`,
  },
  'coordination.k8s.io/v1': {
    Lease: `${COORDINATION}.Lease`,
  },
  'rbac.authorization.k8s.io/v1': {
    Role: `${RBAC}.Role`,
    ClusterRole: `${RBAC}.ClusterRole`,
    RoleBinding: `${RBAC}.RoleBinding`,
    ClusterRoleBinding: `${RBAC}.ClusterRoleBinding`,
  },
  'authorization.k8s.io/v1': {
    SelfSubjectAccessReview: 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
    SelfSubjectRulesReview: 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
  },
  'authentication.k8s.io/v1': {
    SelfSubjectReview: 'k8s.io.api.authentication.v1.SelfSubjectReview',
    TokenRequest: 'k8s.io.api.authentication.v1.TokenRequest',
  },
  'policy/v1': {
    Eviction: `${POLICY}.Eviction`,
    PodDisruptionBudget: `${POLICY}.PodDisruptionBudget`,
  },
};

/**
 * The proto message name for apiVersion/kind, or undefined when unsupported.
 * DeleteOptions is a meta/v1 type that clients send under any group version
 * (e.g. `v1`, `apps/v1`, `meta.k8s.io/v1`), so it is matched by kind alone.
 */
export function messageNameFor(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions') return `${META}.DeleteOptions`;
  const group = Object.hasOwn(KINDS, apiVersion) ? KINDS[apiVersion] : undefined;
  return group && Object.hasOwn(group, kind) ? group[kind] : undefined;
}
