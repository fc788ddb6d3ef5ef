/**
 * Discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/{group}`,
 * `/apis/{group}/{version}`) in the plain forms kubectl falls back to
 * (APIVersions, APIGroupList, APIGroup, APIResourceList), built from the
 * served resources' definitions.
 */
import type { ResourceCatalog } from '../resources/catalog.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export function apiVersions(catalog: ResourceCatalog, serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: catalog.groupVersions().get('') ?? [],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, versions: string[]) {
  const list = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(catalog: ResourceCatalog) {
  const groups = [...catalog.groupVersions()].filter(([g]) => g !== '').map(([g, v]) => apiGroup(g, v));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroupDoc(catalog: ResourceCatalog, group: string) {
  const versions = catalog.groupVersions().get(group);
  return versions && group !== '' ? apiGroup(group, versions) : undefined;
}

export function apiResourceList(catalog: ResourceCatalog, group: string, version: string) {
  const definitions = catalog.all().filter(({ type }) => type.group === group && type.version === version);
  if (definitions.length === 0) return undefined;
  const resources: object[] = [];
  for (const { type: rt, strategy, subresources, verbs, deleteCollection } of definitions) {
    resources.push({
      name: rt.resource,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: verbs ? Object.keys(verbs).sort() : ALL_VERBS.filter((v) => deleteCollection || v !== 'deletecollection'),
      shortNames: rt.shortNames.length ? rt.shortNames : undefined,
      categories: rt.categories.length ? rt.categories : undefined,
    });
    const subs = [
      ...(strategy.statusSubresource ? [{ name: 'status', kind: rt.kind, verbs: STATUS_VERBS, group: undefined, version: undefined }] : []),
      ...Object.entries(subresources)
        .filter(([, sub]) => sub.listed !== false)
        .map(([name, sub]) => ({ name, kind: sub.kind, verbs: [...sub.verbs], group: sub.group, version: sub.version })),
    ];
    for (const sub of subs) {
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
