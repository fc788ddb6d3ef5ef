/**
 * What the API server serves, read from its discovery documents (the
 * aggregated `/api` and `/apis`, or, from a server without them, the plain
 * `/api`, `/apis` and each group version's resource list), so controllers that act
 * on every kind (the namespace controller, the garbage collector) see
 * custom resources as well as built-in ones.
 *
 * The choice of version is client-go's ServerPreferredResources: each
 * resource of a group once, from the group's preferred version when that
 * version serves it, otherwise from the first listed version that does.
 * Another version of the same resource in the same group (autoscaling/v1
 * HorizontalPodAutoscalers beside v2) shares its storage and is left out.
 * Subresources (`pods/status`) are left out.
 */
import { setMaxListeners } from 'node:events';
import { errorMessage } from '@mk8s/api';
import { isNotFound, type Clientset } from '@mk8s/client';

export interface ApiResource {
  /** `''` for the core group. */
  group: string;
  version: string;
  /** The plural name in URLs (`widgets`). */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
}

export interface DiscoveryFailure {
  group: string;
  version: string;
  message: string;
}

export interface DiscoveredResources {
  resources: ApiResource[];
  /** Group versions whose resource list could not be read; their resources are missing from `resources`. */
  failures: DiscoveryFailure[];
}

interface GroupVersionRef {
  groupVersion: string;
  version: string;
}
interface ApiGroupList {
  groups?: Array<{ name: string; versions?: GroupVersionRef[]; preferredVersion?: GroupVersionRef }>;
}
interface ApiResourceList {
  resources?: Array<{ name: string; kind: string; namespaced?: boolean; verbs?: string[] }>;
}

/** `resource.group`, or `resource` in the core group: how resources are named in logs and conditions (`pods`, `widgets.example.com`). */
export function groupResource(r: Pick<ApiResource, 'group' | 'resource'>): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** Whether the resource serves every one of `verbs`. */
export function hasVerbs(r: ApiResource, ...verbs: string[]): boolean {
  return verbs.every((v) => r.verbs.includes(v));
}

/**
 * Reads discovery. Rejects when `/api` or `/apis` cannot be read; a group
 * version that cannot be read is reported in `failures` and the rest is
 * returned (a group version gone since `/apis` was read serves nothing and
 * is no failure).
 */
export async function discoverResources(client: Clientset, signal?: AbortSignal): Promise<DiscoveredResources> {
  // One listener on the caller's signal, however many requests run at once.
  const requests = new AbortController();
  setMaxListeners(0, requests.signal);
  const abort = (): void => requests.abort(signal?.reason);
  if (signal?.aborted) abort();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    return await discover(client, requests.signal);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/** Asks for the aggregated form first, as client-go does; a server without it answers the plain documents. */
const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

interface AggregatedList {
  kind?: string;
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{ version: string; resources?: Array<{ resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[] }> }>;
  }>;
}

/** The resources of aggregated documents: versions come preferred first, so the first version serving a resource wins. */
function fromAggregated(docs: AggregatedList[]): ApiResource[] {
  const resources: ApiResource[] = [];
  for (const doc of docs) {
    for (const item of doc.items ?? []) {
      const group = item.metadata?.name ?? '';
      const chosen = new Map<string, ApiResource>();
      for (const v of item.versions ?? []) {
        for (const r of v.resources ?? []) {
          if (chosen.has(r.resource)) continue;
          chosen.set(r.resource, {
            group,
            version: v.version,
            resource: r.resource,
            kind: r.responseKind?.kind ?? '',
            namespaced: r.scope === 'Namespaced',
            verbs: r.verbs ?? [],
          });
        }
      }
      resources.push(...chosen.values());
    }
  }
  return resources;
}

async function discover(client: Clientset, signal: AbortSignal): Promise<DiscoveredResources> {
  const get = <T>(path: string, accept?: string): Promise<T> => client.transport.request<T>({ method: 'GET', path, signal, accept });
  const [core, apis] = await Promise.all([
    get<{ versions?: string[] } & AggregatedList>('/api', AGGREGATED_ACCEPT),
    get<ApiGroupList & AggregatedList>('/apis', AGGREGATED_ACCEPT),
  ]);
  // Two requests in all when the server aggregates (mk8s and Kubernetes do), one per group version otherwise.
  if (core.kind === 'APIGroupDiscoveryList' && apis.kind === 'APIGroupDiscoveryList') return { resources: fromAggregated([core, apis]), failures: [] };
  const groups: Array<{ group: string; versions: string[]; preferred: string | undefined }> = [
    { group: '', versions: core.versions ?? [], preferred: core.versions?.[0] },
    ...(apis.groups ?? []).map((g) => ({
      group: g.name,
      versions: (g.versions ?? []).map((v) => v.version),
      preferred: g.preferredVersion?.version ?? g.versions?.[0]?.version,
    })),
  ];
  const failures: DiscoveryFailure[] = [];
  const lists = await Promise.all(
    groups.map(({ group, versions }) =>
      Promise.all(
        versions.map(async (version) => {
          try {
            return await get<ApiResourceList>(group ? `/apis/${group}/${version}` : `/api/${version}`);
          } catch (err) {
            if (signal.aborted) throw err;
            if (!isNotFound(err)) failures.push({ group, version, message: errorMessage(err) });
            return undefined;
          }
        }),
      ),
    ),
  );
  const resources: ApiResource[] = [];
  groups.forEach(({ group, versions, preferred }, gi) => {
    const chosen = new Map<string, ApiResource>();
    // The preferred version first, then the others in the order the server lists them.
    const order = versions
      .map((version, vi) => ({ version, list: lists[gi]![vi] }))
      .sort((a, b) => Number(b.version === preferred) - Number(a.version === preferred));
    for (const { version, list } of order) {
      for (const r of list?.resources ?? []) {
        if (r.name.includes('/') || chosen.has(r.name)) continue;
        chosen.set(r.name, { group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced === true, verbs: r.verbs ?? [] });
      }
    }
    resources.push(...chosen.values());
  });
  return { resources, failures };
}

/** `group/version: message` for each failure (`v1: ...` in the core group), for logs and conditions. */
export function describeFailures(failures: readonly DiscoveryFailure[]): string[] {
  return failures.map((f) => `${f.group ? `${f.group}/` : ''}${f.version}: ${f.message}`);
}
