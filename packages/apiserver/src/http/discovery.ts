/**
 * Discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/{group}`,
 * `/apis/{group}/{version}`) in the plain forms kubectl falls back to
 * (APIVersions, APIGroupList, APIGroup, APIResourceList).
 */
import { RESOURCE_TYPES, type ResourceType } from '@mk8s/api';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface SubresourceInfo {
  name: string;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
}

/** The subresources each resource serves (see resource-handler.ts). */
const SUBRESOURCES: Record<string, SubresourceInfo[]> = {
  pods: [
    { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'eviction', kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
  ],
  nodes: [{ name: 'status', kind: 'Node', verbs: ['get', 'patch', 'update'] }],
  services: [{ name: 'status', kind: 'Service', verbs: ['get', 'patch', 'update'] }],
  namespaces: [
    { name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] },
    { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
  ],
  deployments: [
    { name: 'status', kind: 'Deployment', verbs: ['get', 'patch', 'update'] },
    { name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1' },
  ],
  replicasets: [
    { name: 'status', kind: 'ReplicaSet', verbs: ['get', 'patch', 'update'] },
    { name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1' },
  ],
  serviceaccounts: [{ name: 'token', kind: 'TokenRequest', verbs: ['create'], group: 'authentication.k8s.io', version: 'v1' }],
  horizontalpodautoscalers: [{ name: 'status', kind: 'HorizontalPodAutoscaler', verbs: ['get', 'patch', 'update'] }],
};

function groupVersions(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const rt of RESOURCE_TYPES) {
    const versions = out.get(rt.group) ?? [];
    if (!versions.includes(rt.version)) versions.push(rt.version);
    out.set(rt.group, versions);
  }
  return out;
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: groupVersions().get('') ?? [],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, versions: string[]) {
  const list = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: list, preferredVersion: list[0] };
}

export function apiGroupList() {
  const groups = [...groupVersions()].filter(([g]) => g !== '').map(([g, v]) => apiGroup(g, v));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroupDoc(group: string) {
  const versions = groupVersions().get(group);
  return versions && group !== '' ? apiGroup(group, versions) : undefined;
}

export function apiResourceList(group: string, version: string) {
  const types: ResourceType[] = RESOURCE_TYPES.filter((rt) => rt.group === group && rt.version === version);
  if (types.length === 0) return undefined;
  const resources: object[] = [];
  for (const rt of types) {
    resources.push({
      name: rt.resource,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: rt.verbs ?? ALL_VERBS,
      shortNames: rt.shortNames.length ? rt.shortNames : undefined,
      categories: rt.categories.length ? rt.categories : undefined,
    });
    for (const sub of SUBRESOURCES[rt.resource] ?? []) {
      resources.push({
        name: `${rt.resource}/${sub.name}`,
        singularName: '',
        namespaced: rt.namespaced,
        kind: sub.kind,
        verbs: sub.verbs,
        group: sub.group,
        version: sub.version,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
