/**
 * API aggregation (kube-aggregator inside the API server): APIServices
 * (apiregistration.k8s.io/v1) say which server serves each group version.
 * `Local` ones are this server's own (registered by autoregister.ts for the
 * built-in groups, custom resources and the metrics API); requests for a
 * service-backed one are proxied to its extension API server (proxy.ts),
 * whose availability availability.ts keeps, and whose resources discovery
 * lists beside the local ones (`extraGroups`, ordered by `groupOrder`).
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { WatchCache } from '../cache/watch-cache.js';
import type { ExtraGroup, ResourceList } from '../http/discovery.js';
import type { Registry } from '../registry/registry.js';
import { ApiServiceIndex, type ApiServiceEntry } from './api-services.js';
import { AutoRegister } from './autoregister.js';
import { AvailabilityController } from './availability.js';
import type { ProxyClientCert } from './backend.js';
import { APIREGISTRATION_GROUP, CRD_PRIORITY, builtinPriority } from './priorities.js';
import { proxyToApiService } from './proxy.js';

export interface AggregatorDeps {
  registry: Registry;
  cache: WatchCache;
  now: () => number;
  log: FastifyBaseLogger;
  /** The client certificate presented to extension API servers. */
  proxyClient?: ProxyClientCert;
  /** The built-in metrics API, served here unless its APIService points at a Service. */
  metrics: { group: string; version: string; list: () => ResourceList };
  /** How often availability is checked again (default 30 s). */
  recheckMs?: number;
}

export class Aggregator {
  readonly index: ApiServiceIndex;
  private readonly autoregister: AutoRegister;
  private readonly availability: AvailabilityController;

  constructor(private readonly deps: AggregatorDeps) {
    this.index = new ApiServiceIndex(deps.cache);
    this.autoregister = new AutoRegister({ registry: deps.registry, cache: deps.cache, log: deps.log, metrics: deps.metrics });
    this.availability = new AvailabilityController({
      registry: deps.registry,
      cache: deps.cache,
      index: this.index,
      now: deps.now,
      log: deps.log,
      proxyClient: deps.proxyClient,
      recheckMs: deps.recheckMs,
    });
  }

  /** Registers the local APIServices (after the catalog is complete), then keeps them and everyone's availability. */
  async start(): Promise<void> {
    this.index.start();
    await this.autoregister.start();
    this.availability.start();
  }

  async stop(): Promise<void> {
    await this.autoregister.stop();
    await this.availability.stop();
    this.index.stop();
  }

  /** The APIService a request for `group`/`version` is proxied to, if an extension API server serves it (never the core group). */
  remote(group: string, version: string): ApiServiceEntry | undefined {
    return group === '' || !version ? undefined : this.index.remote(group, version);
  }

  proxy(entry: ApiServiceEntry, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    return proxyToApiService({ cache: this.deps.cache, proxyClient: this.deps.proxyClient }, entry, req, reply);
  }

  /**
   * Groups discovery lists beside the catalog's: the metrics API when served
   * here, and every service-backed group version with what it last answered
   * (Stale while its APIService is not Available).
   */
  extraGroups(): ExtraGroup[] {
    const out: ExtraGroup[] = [];
    const add = (group: string, v: ExtraGroup['versions'][number]): void => {
      const g = out.find((x) => x.group === group) ?? (out[out.push({ group, versions: [] }) - 1] as ExtraGroup);
      g.versions.push(v);
    };
    const { metrics } = this.deps;
    if (!this.index.remote(metrics.group, metrics.version)) add(metrics.group, { version: metrics.version, list: metrics.list(), fresh: true });
    const remotes = this.index.all().filter((e) => e.service && e.group !== '');
    for (const group of new Set(remotes.map((e) => e.group))) {
      for (const e of this.index.ofGroup(group)) {
        if (e.service) add(group, { version: e.version, list: this.index.discoveryOf(e.name), fresh: e.available });
      }
    }
    return out;
  }

  /** The OpenAPI v3 index entries of remote group versions whose backends publish one (`apis/<group>/<version>`). */
  openAPIPaths(): Record<string, { serverRelativeURL: string }> {
    const out: Record<string, { serverRelativeURL: string }> = {};
    for (const e of this.index.all()) {
      const url = e.service && e.group !== '' ? this.index.openAPIOf(e.name) : undefined;
      if (url) out[`apis/${e.group}/${e.version}`] = { serverRelativeURL: url };
    }
    return out;
  }

  /** The remote APIService whose OpenAPI v3 document `/openapi/v3/<gvPath>` is (proxied to its backend). */
  openAPIBackend(gvPath: string): ApiServiceEntry | undefined {
    const m = /^apis\/([^/]+)\/([^/]+)$/.exec(gvPath);
    return m ? this.remote(m[1]!, m[2]!) : undefined;
  }

  /**
   * A group's rank in discovery: apiregistration.k8s.io first, then the
   * highest groupPriorityMinimum of its APIServices (Kubernetes' table for
   * built-in groups not registered yet, 1000 for custom resources).
   */
  readonly groupOrder = (group: string): number => {
    if (group === APIREGISTRATION_GROUP) return 20001;
    const registered = this.index.ofGroup(group);
    if (registered.length > 0) return Math.max(...registered.map((e) => e.groupPriorityMinimum));
    const versions = this.deps.registry.catalog.groupVersions().get(group) ?? [];
    const builtin = versions.map((v) => builtinPriority(`${group}/${v}`)?.group ?? 0);
    return Math.max(CRD_PRIORITY.group, ...builtin);
  };
}

export { AUTOMANAGED_LABEL } from './autoregister.js';
export { compareKubeAwareVersions, type ApiServiceEntry } from './api-services.js';
export type { ProxyClientCert } from './backend.js';
