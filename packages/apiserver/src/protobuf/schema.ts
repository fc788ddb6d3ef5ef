import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { APPS_V1_PROTO } from './proto-apps-v1.js';
import { AUTOSCALING_V1_PROTO, AUTOSCALING_V2_PROTO } from './proto-autoscaling.js';
import { COORDINATION_V1_PROTO, POLICY_V1_PROTO } from './proto-coordination-policy.js';
import { CORE_V1_PROTO } from './proto-core-v1.js';
import { AUTHENTICATION_V1_PROTO, AUTHORIZATION_V1_PROTO, RBAC_V1_PROTO } from './proto-rbac-authorization.js';
import { INTSTR_PROTO, META_PROTO, META_V1_PROTO, RESOURCE_PROTO } from './proto-meta.js';

const SOURCES = [
  META_PROTO,
  INTSTR_PROTO,
  RESOURCE_PROTO,
  META_V1_PROTO,
  CORE_V1_PROTO,
  APPS_V1_PROTO,
  AUTOSCALING_V1_PROTO,
  AUTOSCALING_V2_PROTO,
  COORDINATION_V1_PROTO,
  POLICY_V1_PROTO,
  RBAC_V1_PROTO,
  AUTHORIZATION_V1_PROTO,
  AUTHENTICATION_V1_PROTO,
];

let root: protobuf.Root | undefined;

/**
 * The parsed, fully resolved schema. Built once on first use (parsing costs a
 * few milliseconds) and shared; protobufjs types are read-only after
 * resolveAll, so sharing is safe.
 */
export function schemaRoot(): protobuf.Root {
  if (!root) {
    const built = new protobuf.Root();
    // keepCase: field names stay exactly as in generated.proto (they are the JSON names).
    for (const source of SOURCES) protobuf.parse(source, built, { keepCase: true });
    built.resolveAll();
    root = built;
  }
  return root;
}

/** Looks up a message by its fully qualified proto name, e.g. `k8s.io.api.core.v1.Pod`. */
export function messageType(fullName: string): Type {
  return schemaRoot().lookupType(fullName);
}
