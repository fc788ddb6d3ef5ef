/**
 * Discovery documents, built from the served resources' definitions: the
 * plain forms (`/api`, `/api/v1`, `/apis`, `/apis/{group}`,
 * `/apis/{group}/{version}`: APIVersions, APIGroupList, APIGroup,
 * APIResourceList) and the aggregated form of `/api` and `/apis` that
 * kubectl and client-go ask for first (apidiscovery.k8s.io/v2 and v2beta1
 * APIGroupDiscoveryList), derived from the plain ones.
 *
 * Groups served elsewhere (the built-in metrics API, extension API servers
 * behind APIServices) come in as `ExtraGroup`s, and `order` ranks groups
 * (the aggregator's priorities: higher first, then by name).
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

/** A group served outside the catalog, with each version's resources when known (`fresh`: as last fetched, or `Stale`). */
export interface ExtraGroup {
  group: string;
  versions: Array<{ version: string; list?: ResourceList; fresh: boolean }>;
}

/** Ranks groups: higher first; equal ranks by name. */
export type GroupOrder = (group: string) => number;

function byOrder<T>(items: T[], groupOf: (item: T) => string, order: GroupOrder | undefined): T[] {
  if (!order) return items;
  // Each group ranked once, not once per comparison.
  const ranked = items.map((item) => ({ item, group: groupOf(item), rank: order(groupOf(item)) }));
  ranked.sort((a, b) => b.rank - a.rank || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  return ranked.map((r) => r.item);
}

/** Every group version: the catalog's, then the extra groups' versions (a group in both keeps the catalog's first). */
function allGroupVersions(catalog: ResourceCatalog, extra: readonly ExtraGroup[]): Map<string, string[]> {
  const out = catalog.groupVersions();
  for (const e of extra) {
    const versions = out.get(e.group) ?? [];
    for (const v of e.versions) if (!versions.includes(v.version)) versions.push(v.version);
    out.set(e.group, versions);
  }
  return out;
}

export function apiGroupList(catalog: ResourceCatalog, extra: readonly ExtraGroup[] = [], order?: GroupOrder) {
  const groups = [...allGroupVersions(catalog, extra)].filter(([g]) => g !== '').map(([g, v]) => apiGroup(g, v));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: byOrder(groups, (g) => g.name, order) };
}

export function apiGroupDoc(catalog: ResourceCatalog, group: string, extra: readonly ExtraGroup[] = []) {
  const versions = allGroupVersions(catalog, extra).get(group);
  return versions && group !== '' ? apiGroup(group, versions) : undefined;
}

export function apiResourceList(catalog: ResourceCatalog, group: string, version: string) {
  const definitions = catalog.all().filter(({ type }) => type.group === group && type.version === version);
  if (definitions.length === 0) return undefined;
  const resources: Array<Record<string, unknown>> = [];
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

export type ResourceList = { resources: Array<Record<string, unknown>> };

/** The discovery versions a client may ask for by Accept, newest first (Kubernetes 1.32 serves both). */
const AGGREGATED_VERSIONS = ['v2', 'v2beta1'] as const;
export type AggregatedVersion = (typeof AGGREGATED_VERSIONS)[number];

/**
 * The aggregated discovery version the Accept header asks for, in the
 * client's order (`application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`),
 * or undefined for the plain documents.
 */
export function aggregatedDiscoveryVersion(accept: string | undefined): AggregatedVersion | undefined {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim());
    if (type !== 'application/json') continue;
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((x) => x.trim())));
    if (p['g'] !== 'apidiscovery.k8s.io' || p['as'] !== 'APIGroupDiscoveryList') continue;
    if ((AGGREGATED_VERSIONS as readonly string[]).includes(p['v'] ?? '')) return p['v'] as AggregatedVersion;
  }
  return undefined;
}

export function aggregatedContentType(version: AggregatedVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** One group of an aggregated document, from the plain resource list of each version (preferred first). */
function discoveryGroup(group: string, versions: Array<{ version: string; list?: ResourceList; fresh: boolean }>): Record<string, unknown> {
  return {
    metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions: versions.map(({ version, list, fresh }) => {
      // A remote group version never fetched: only its name, as Kubernetes lists it.
      if (!list) return { version, freshness: 'Stale' };
      const resources: Array<Record<string, unknown>> = [];
      const byName = new Map<string, Record<string, unknown>>();
      const kindOf = (r: Record<string, unknown>) => ({
        group: (r['group'] as string | undefined) ?? group,
        version: (r['version'] as string | undefined) ?? version,
        kind: r['kind'],
      });
      for (const r of list.resources) {
        const name = String(r['name']);
        const slash = name.indexOf('/');
        if (slash < 0) {
          const entry: Record<string, unknown> = {
            resource: name,
            responseKind: kindOf(r),
            scope: r['namespaced'] ? 'Namespaced' : 'Cluster',
            singularResource: r['singularName'],
            verbs: r['verbs'],
          };
          if (r['shortNames']) entry['shortNames'] = r['shortNames'];
          if (r['categories']) entry['categories'] = r['categories'];
          byName.set(name, entry);
          resources.push(entry);
        } else {
          const parent = byName.get(name.slice(0, slash));
          if (!parent) continue;
          const subs = (parent['subresources'] ??= []) as unknown[];
          subs.push({ subresource: name.slice(slash + 1), responseKind: kindOf(r), verbs: r['verbs'] });
        }
      }
      return { version, resources, freshness: fresh ? 'Current' : 'Stale' };
    }),
  };
}

/**
 * `/api` or `/apis` as one aggregated document (apidiscovery.k8s.io
 * APIGroupDiscoveryList): every group, version and resource with its
 * subresources, so a client discovers the whole API in one request instead
 * of one per group version. Built from the same plain documents as above,
 * so both forms always agree.
 */
export function aggregatedDiscovery(
  catalog: ResourceCatalog,
  core: boolean,
  version: AggregatedVersion,
  extra: readonly ExtraGroup[] = [],
  order?: GroupOrder,
): Record<string, unknown> {
  const groups: Array<{ group: string; item: Record<string, unknown> }> = [];
  const served = catalog.groupVersions();
  for (const [group, versions] of allGroupVersions(catalog, extra)) {
    if ((group === '') !== core) continue;
    const extraOf = extra.find((e) => e.group === group);
    const item = discoveryGroup(
      group,
      versions.map((v) =>
        served.get(group)?.includes(v)
          ? { version: v, list: apiResourceList(catalog, group, v)!, fresh: true }
          : extraOf!.versions.find((x) => x.version === v)!,
      ),
    );
    groups.push({ group, item });
  }
  const items = byOrder(groups, (g) => g.group, order).map((g) => g.item);
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
