/**
 * Where each group version sorts in discovery, as the APIServices
 * kube-apiserver registers for its built-in groups say
 * (`groupPriorityMinimum` / `versionPriority`): higher first. Custom
 * resources' group versions get 1000 / 100, low, as Kubernetes' CRD
 * registration gives them. `apiregistration.k8s.io` has no APIService (the
 * aggregator serves it itself) and always comes first.
 */
export interface Priority {
  group: number;
  version: number;
}

export const APIREGISTRATION_GROUP = 'apiregistration.k8s.io';

/** Kubernetes' table for the group versions it serves (mk8s serves a subset). */
const BUILTIN: Readonly<Record<string, Priority>> = {
  v1: { group: 18000, version: 1 },
  'apps/v1': { group: 17800, version: 15 },
  'events.k8s.io/v1': { group: 17750, version: 15 },
  'authentication.k8s.io/v1': { group: 17700, version: 15 },
  'authorization.k8s.io/v1': { group: 17600, version: 15 },
  'autoscaling/v2': { group: 17500, version: 30 },
  'autoscaling/v1': { group: 17500, version: 15 },
  'batch/v1': { group: 17400, version: 15 },
  'certificates.k8s.io/v1': { group: 17300, version: 15 },
  'networking.k8s.io/v1': { group: 17200, version: 15 },
  'policy/v1': { group: 17100, version: 15 },
  'rbac.authorization.k8s.io/v1': { group: 17000, version: 15 },
  'storage.k8s.io/v1': { group: 16800, version: 15 },
  'apiextensions.k8s.io/v1': { group: 16700, version: 15 },
  'admissionregistration.k8s.io/v1': { group: 16700, version: 15 },
  'scheduling.k8s.io/v1': { group: 16600, version: 15 },
  'coordination.k8s.io/v1': { group: 16500, version: 15 },
  'node.k8s.io/v1': { group: 16300, version: 15 },
  'discovery.k8s.io/v1': { group: 16200, version: 15 },
};

/** Custom resources' group versions (Kubernetes' crdregistration controller). */
export const CRD_PRIORITY: Priority = { group: 1000, version: 100 };

/** The built-in metrics API, at metrics-server's own APIService priorities. */
export const METRICS_PRIORITY: Priority = { group: 100, version: 100 };

/** The priority of a built-in group version (`v1`, `apps/v1`), or undefined for one not in Kubernetes' table. */
export function builtinPriority(groupVersion: string): Priority | undefined {
  return BUILTIN[groupVersion];
}

/** The APIService name of a group version: `<version>.<group>`, `v1.` for the core group. */
export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}
