/**
 * What the server serves, read from its own discovery documents (`/api/v1`,
 * `/apis` and every group version listed there), so the fuzzer covers every
 * kind it serves, including kinds added after this file was written (they get
 * a generic seed).
 */
import { sendJson, type Target } from './raw-http.js';

export interface ServedResource {
  group: string;
  version: string;
  /** Plural name, e.g. `deployments`. */
  resource: string;
  /** Subresource (`status`, `scale`, ...) or undefined for the resource itself. */
  sub?: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  /** apiVersion of the kind the (sub)resource takes, e.g. `policy/v1` for pods/eviction. */
  apiVersion: string;
}

interface DiscoveryResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  group?: string;
  version?: string;
}

/** Stable id of a (sub)resource in one group version: `apps/v1/deployments/scale`, `v1/pods`. */
export function resourceId(r: Pick<ServedResource, 'group' | 'version' | 'resource' | 'sub'>): string {
  return [r.group, r.version, r.resource, r.sub].filter((p) => p !== undefined && p !== '').join('/');
}

export function groupVersionPrefix(r: Pick<ServedResource, 'group' | 'version'>): string {
  return r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
}

/**
 * Percent-encodes a path segment. A lone UTF-16 surrogate has no UTF-8 form
 * (encodeURIComponent throws on it); the server never stores one, so an
 * object named with one is itself a finding, which the list-get check reports
 * when the U+FFFD-encoded name is not found.
 */
function segment(s: string): string {
  return encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

/** Collection path: `/api/v1/namespaces/NS/configmaps`; cluster-wide when `ns` is undefined. */
export function collectionPath(r: ServedResource, ns: string | undefined): string {
  const nsPart = r.namespaced && ns !== undefined ? `/namespaces/${segment(ns)}` : '';
  return `${groupVersionPrefix(r)}${nsPart}/${r.resource}`;
}

/** Item path, with the subresource of `r` if it has one; the name is percent-encoded. */
export function itemPath(r: ServedResource, ns: string | undefined, name: string): string {
  return `${collectionPath(r, ns)}/${segment(name)}${r.sub ? `/${r.sub}` : ''}`;
}

async function getJson(target: Target, path: string): Promise<unknown> {
  const { outcome, json } = await sendJson(target, 'GET', path);
  if (outcome.kind !== 'response' || outcome.res.status !== 200)
    throw new Error(`discovery GET ${path} failed: ${outcome.kind === 'response' ? outcome.res.status : outcome.detail}`);
  return json;
}

function fromList(group: string, version: string, list: unknown): ServedResource[] {
  const resources = (list as { resources?: DiscoveryResource[] }).resources ?? [];
  return resources.map((d) => {
    const [resource, sub] = d.name.split('/', 2) as [string, string | undefined];
    const kindGroup = d.group ?? group;
    const kindVersion = d.version ?? version;
    return {
      group,
      version,
      resource,
      // A name ending in '/' has an empty subresource: none.
      sub: sub || undefined,
      kind: d.kind,
      namespaced: d.namespaced,
      verbs: d.verbs ?? [],
      apiVersion: kindGroup === '' ? kindVersion : `${kindGroup}/${kindVersion}`,
    };
  });
}

/** Every (sub)resource of every group version the server lists. */
export async function discover(target: Target): Promise<ServedResource[]> {
  const out: ServedResource[] = [];
  const core = (await getJson(target, '/api')) as { versions?: string[] };
  for (const v of core.versions ?? ['v1']) out.push(...fromList('', v, await getJson(target, `/api/${v}`)));
  const groups = (await getJson(target, '/apis')) as { groups?: Array<{ name: string; versions: Array<{ version: string }> }> };
  for (const g of groups.groups ?? []) {
    for (const v of g.versions) out.push(...fromList(g.name, v.version, await getJson(target, `/apis/${g.name}/${v.version}`)));
  }
  return out;
}

/**
 * Subresources that make the server dial a kubelet or proxy to a pod/node/
 * service address. The fuzzer never calls them: a fuzzed object could point
 * the server at an address off this machine.
 */
export const PROXYING_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/** Groups whose answers come from kubelets (scraped or proxied), likewise left alone beyond reads. */
export const KUBELET_BACKED_GROUPS = new Set(['metrics.k8s.io']);
