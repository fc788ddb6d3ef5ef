/**
 * Wire definitions for k8s.io/api/apps/v1 (Deployment, ReplicaSet). Names and
 * field numbers match Kubernetes' generated.proto; `(keep_zero)` is explained
 * in proto-meta.ts.
 */
export const APPS_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.apps.v1;

message RollingUpdateDeployment {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 1 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxSurge = 2 [(keep_zero) = true];
}

message DeploymentStrategy {
  optional string type = 1;
  optional RollingUpdateDeployment rollingUpdate = 2;
}

message DeploymentSpec {
  optional int32 replicas = 1 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional .k8s.io.api.core.v1.PodTemplateSpec template = 3;
  optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5;
  optional int32 revisionHistoryLimit = 6 [(keep_zero) = true];
  optional bool paused = 7;
  optional int32 progressDeadlineSeconds = 9 [(keep_zero) = true];
  optional string podReplacementPolicy = 10 [(keep_zero) = true];
}

message DeploymentCondition {
  optional string type = 1;
  optional string status = 2;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastUpdateTime = 6;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 7;
  optional string reason = 4;
  optional string message = 5;
}

message DeploymentStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2;
  optional int32 updatedReplicas = 3;
  optional int32 readyReplicas = 7;
  optional int32 availableReplicas = 4;
  optional int32 unavailableReplicas = 5;
  optional int32 terminatingReplicas = 9 [(keep_zero) = true];
  repeated DeploymentCondition conditions = 6;
  optional int32 collisionCount = 8 [(keep_zero) = true];
}

message Deployment {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional DeploymentSpec spec = 2;
  optional DeploymentStatus status = 3;
}

message ReplicaSetSpec {
  optional int32 replicas = 1 [(keep_zero) = true];
  optional int32 minReadySeconds = 4;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional .k8s.io.api.core.v1.PodTemplateSpec template = 3;
}

message ReplicaSetCondition {
  optional string type = 1;
  optional string status = 2;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}

message ReplicaSetStatus {
  optional int32 replicas = 1 [(keep_zero) = true];
  optional int32 fullyLabeledReplicas = 2;
  optional int32 readyReplicas = 4;
  optional int32 availableReplicas = 5;
  optional int32 terminatingReplicas = 7 [(keep_zero) = true];
  optional int64 observedGeneration = 3;
  repeated ReplicaSetCondition conditions = 6;
}

message ReplicaSet {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional ReplicaSetSpec spec = 2;
  optional ReplicaSetStatus status = 3;
}
`;
