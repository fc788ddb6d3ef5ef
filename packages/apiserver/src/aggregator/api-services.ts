/**
 * The APIServices this API server routes by: read from the watch cache
 * (rebuilt on every APIService event; a cluster has a few dozen), looked up
 * by group and version on each request. Also holds what each remote group
 * version last answered to discovery (the availability check fetches it),
 * so discovery can list remote resources without a request per client.
 */
import type { APIService } from '@mk8s/api';
import type { WatchCache } from '../cache/watch-cache.js';
import { listPrefix } from '../registry/keys.js';

export const APISERVICES = 'apiservices';

/** One APIService, decoded for routing. */
export interface ApiServiceEntry {
  name: string;
  group: string;
  version: string;
  /** Absent for a `Local` APIService (served by this API server). */
  service?: { namespace: string; name: string; port: number };
  caBundle?: Buffer;
  insecureSkipTLSVerify: boolean;
  groupPriorityMinimum: number;
  versionPriority: number;
  /** Its `Available` condition is True. */
  available: boolean;
}

/** An APIResourceList as a remote group version serves it at `/apis/{group}/{version}`. */
export interface ResourceList {
  resources: Array<Record<string, unknown>>;
}

export function entryOf(svc: APIService): ApiServiceEntry {
  const spec = svc.spec ?? { groupPriorityMinimum: 0, versionPriority: 0 };
  const ref = spec.service;
  return {
    name: svc.metadata?.name ?? '',
    group: spec.group ?? '',
    version: spec.version ?? '',
    service: ref ? { namespace: ref.namespace ?? '', name: ref.name ?? '', port: ref.port ?? 443 } : undefined,
    caBundle: spec.caBundle ? Buffer.from(spec.caBundle, 'base64') : undefined,
    insecureSkipTLSVerify: spec.insecureSkipTLSVerify === true,
    groupPriorityMinimum: spec.groupPriorityMinimum,
    versionPriority: spec.versionPriority,
    available: (svc.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True'),
  };
}

export class ApiServiceIndex {
  private byGroupVersion = new Map<string, ApiServiceEntry>();
  private readonly discovery = new Map<string, { list?: ResourceList; openapi?: string }>();
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(name: string) => void>();

  constructor(private readonly cache: WatchCache) {}

  start(): void {
    this.rebuild();
    this.unsubscribe = this.cache.subscribe(APISERVICES, undefined, (ev) => {
      this.rebuild();
      const name = ev.revision === -1 ? '' : String(((ev.object['metadata'] ?? {}) as Record<string, unknown>)['name'] ?? '');
      for (const l of this.listeners) l(name);
    })!.unsubscribe;
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Called with an APIService's name on each of its events ("" after a cache rebuild: every one may have changed). */
  onChange(listener: (name: string) => void): void {
    this.listeners.add(listener);
  }

  private rebuild(): void {
    const next = new Map<string, ApiServiceEntry>();
    for (const obj of this.cache.list(APISERVICES, listPrefix(APISERVICES))) {
      const e = entryOf(obj as unknown as APIService);
      next.set(`${e.group}/${e.version}`, e);
    }
    this.byGroupVersion = next;
    for (const name of [...this.discovery.keys()]) if (![...next.values()].some((e) => e.name === name && e.service)) this.discovery.delete(name);
  }

  /** The service-backed APIService of a group version: requests for it are proxied. */
  remote(group: string, version: string): ApiServiceEntry | undefined {
    const e = this.byGroupVersion.get(`${group}/${version}`);
    return e?.service ? e : undefined;
  }

  /** Every APIService of `group`, highest version priority first. */
  ofGroup(group: string): ApiServiceEntry[] {
    return [...this.byGroupVersion.values()].filter((e) => e.group === group).sort(byVersionPriority);
  }

  /** Every APIService. */
  all(): ApiServiceEntry[] {
    return [...this.byGroupVersion.values()];
  }

  /** What a remote group version answered to discovery, and where its backend serves its OpenAPI v3 document. */
  setDiscovery(name: string, list: ResourceList | undefined, openapi: string | undefined): void {
    this.discovery.set(name, { list, openapi });
  }

  /** What a remote group version last answered to discovery, if it ever did. */
  discoveryOf(name: string): ResourceList | undefined {
    return this.discovery.get(name)?.list;
  }

  /** The backend's `/openapi/v3/apis/<group>/<version>?hash=...` URL of a remote group version, if it publishes one. */
  openAPIOf(name: string): string | undefined {
    return this.discovery.get(name)?.openapi;
  }
}

/**
 * Kubernetes' version order inside a group: higher `versionPriority` first,
 * then kube-aware version order (GA before beta before alpha, higher
 * numbers first, anything else last, alphabetically).
 */
export function byVersionPriority(a: ApiServiceEntry, b: ApiServiceEntry): number {
  if (a.versionPriority !== b.versionPriority) return b.versionPriority - a.versionPriority;
  return compareKubeAwareVersions(a.version, b.version);
}

/** Kubernetes' CompareKubeAwareVersionStrings, as a sort order (the preferred version first). */
export function compareKubeAwareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return [Number(m[1]), m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, m[3] === undefined ? 0 : Number(m[3])];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa && !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (!pa) return 1;
  if (!pb) return -1;
  if (pa[1] !== pb[1]) return pb[1] - pa[1];
  if (pa[0] !== pb[0]) return pb[0] - pa[0];
  return pb[2] - pa[2];
}
