/**
 * Wire definitions for k8s.io/api/coordination/v1 (Lease) and
 * k8s.io/api/policy/v1 (Eviction, PodDisruptionBudget). Names and field
 * numbers match Kubernetes' generated.proto; `(keep_zero)` is explained in
 * proto-meta.ts.
 */
export const COORDINATION_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.coordination.v1;

message LeaseSpec {
  optional string holderIdentity = 1 [(keep_zero) = true];
  optional int32 leaseDurationSeconds = 2 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime acquireTime = 3;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime renewTime = 4;
  optional int32 leaseTransitions = 5 [(keep_zero) = true];
  optional string strategy = 6 [(keep_zero) = true];
  optional string preferredHolder = 7 [(keep_zero) = true];
}

message Lease {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional LeaseSpec spec = 2;
}
`;

export const POLICY_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.policy.v1;

message Eviction {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions deleteOptions = 2;
}

message PodDisruptionBudgetSpec {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString minAvailable = 1 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 3 [(keep_zero) = true];
  optional string unhealthyPodEvictionPolicy = 4 [(keep_zero) = true];
}

message PodDisruptionBudgetStatus {
  optional int64 observedGeneration = 1;
  map<string, .k8s.io.apimachinery.pkg.apis.meta.v1.Time> disruptedPods = 2;
  optional int32 disruptionsAllowed = 3 [(keep_zero) = true];
  optional int32 currentHealthy = 4 [(keep_zero) = true];
  optional int32 desiredHealthy = 5 [(keep_zero) = true];
  optional int32 expectedPods = 6 [(keep_zero) = true];
  repeated .k8s.io.apimachinery.pkg.apis.meta.v1.Condition conditions = 7;
}

message PodDisruptionBudget {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PodDisruptionBudgetSpec spec = 2;
  optional PodDisruptionBudgetStatus status = 3;
}
`;
