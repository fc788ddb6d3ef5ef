/**
 * Wire definitions for k8s.io/apimachinery: runtime (the envelope), meta/v1,
 * util/intstr and api/resource. Message names, field names and field numbers
 * match Kubernetes' generated.proto files; only what the decoder needs is
 * declared (unknown fields are skipped by the decoder, as proto2 requires).
 *
 * Two custom field options carry what protobuf cannot say about the Go/JSON
 * shape (see to-json.ts for their contract):
 * - `(inline)`: the Go struct is embedded with `json:",inline"`; its fields
 *   are merged into the parent object.
 * - `(keep_zero)`: the Go field is a pointer (or has no `omitempty`), so a
 *   zero value on the wire is meaningful and must reach the JSON output.
 */
export const META_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;

message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}

message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}

message RawExtension {
  optional bytes raw = 1;
}
`;

export const INTSTR_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;

message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`;

export const RESOURCE_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;

message Quantity {
  optional string string = 1;
}
`;

export const META_V1_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;

message Time {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

message MicroTime {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

message Duration {
  optional int64 duration = 1;
}

message FieldsV1 {
  optional bytes Raw = 1;
}

message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}

message OwnerReference {
  optional string apiVersion = 5;
  optional string kind = 1;
  optional string name = 3;
  optional string uid = 4;
  optional bool controller = 6 [(keep_zero) = true];
  optional bool blockOwnerDeletion = 7 [(keep_zero) = true];
}

message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10 [(keep_zero) = true];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}

message ListMeta {
  optional string selfLink = 1;
  optional string resourceVersion = 2;
  optional string continue = 3;
  optional int64 remainingItemCount = 4 [(keep_zero) = true];
}

message LabelSelectorRequirement {
  optional string key = 1;
  optional string operator = 2;
  repeated string values = 3;
}

message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}

message Condition {
  optional string type = 1;
  optional string status = 2;
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message Preconditions {
  optional string uid = 1 [(keep_zero) = true];
  optional string resourceVersion = 2 [(keep_zero) = true];
}

message DeleteOptions {
  optional int64 gracePeriodSeconds = 1 [(keep_zero) = true];
  optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3 [(keep_zero) = true];
  optional string propagationPolicy = 4 [(keep_zero) = true];
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6 [(keep_zero) = true];
}
`;
