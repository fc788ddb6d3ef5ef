/**
 * Keeps every APIService's `Available` condition, as kube-aggregator's
 * local and remote availability controllers do:
 *
 * - `Local`: True, "Local APIServices are always available";
 * - service-backed: the Service exists (`ServiceNotFound`), a ClusterIP
 *   Service listens on the port (`ServicePortError`) and has Endpoints
 *   (`EndpointsNotFound`) with a ready address for that port
 *   (`MissingEndpoints`), and `GET /apis/<group>/<version>` on the backend
 *   answers 2xx within 5 s (`FailedDiscoveryCheck`); then True, `Passed`.
 *
 * The discovery check's answer is also what discovery lists for the group
 * version (api-services.ts). Each APIService is checked on its own events,
 * on events of the Service and Endpoints it names, and every 30 s; a failed
 * check is retried sooner, with backoff. The status is written only when
 * the condition changed.
 */
import https from 'node:https';
import { errorMessage, metaTime, resourceFor, type APIService, type APIServiceCondition } from '@mk8s/api';
import type { FastifyBaseLogger } from 'fastify';
import type { WatchCache } from '../cache/watch-cache.js';
import { KeyQueue } from '../controllers/key-queue.js';
import { StatusError } from '../errors.js';
import { objectKey } from '../registry/keys.js';
import type { Registry } from '../registry/registry.js';
import { readyAddresses, serviceOf, servicePorts } from '../resources/services/endpoint-of.js';
import { APISERVICES, entryOf, type ApiServiceEntry, type ApiServiceIndex, type ResourceList } from './api-services.js';
import { authority, backendTls, identityHeaders, resolveBackend, type Backend, type ProxyClientCert } from './backend.js';
import { APIREGISTRATION_GROUP } from './priorities.js';

/** How often every APIService is checked again (Kubernetes' informer resync). */
const RECHECK_MS = 30_000;
const DISCOVERY_TIMEOUT_MS = 5_000;
/** A discovery or OpenAPI index answer past this size is refused (a backend cannot fill the API server's memory). */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
const MANAGER = 'kube-apiserver';

type Obj = Record<string, unknown>;
type Verdict = Pick<APIServiceCondition, 'status' | 'reason' | 'message'>;

const LOCAL: Verdict = { status: 'True', reason: 'Local', message: 'Local APIServices are always available' };

export interface AvailabilityDeps {
  registry: Registry;
  cache: WatchCache;
  index: ApiServiceIndex;
  now: () => number;
  log: Pick<FastifyBaseLogger, 'warn' | 'info' | 'debug'>;
  proxyClient?: ProxyClientCert;
  /** Recheck interval (default 30 s). */
  recheckMs?: number;
}

/** A failed check: the condition to write, and a retry with backoff. */
class CheckFailed extends Error {}

export class AvailabilityController {
  private readonly rt = resourceFor(APIREGISTRATION_GROUP, 'v1', APISERVICES)!;
  private readonly queue: KeyQueue;
  private readonly unsubscribes: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: AvailabilityDeps) {
    this.queue = new KeyQueue((name) => this.sync(name), {
      initialBackoffMs: 500,
      onError: (apiService, err, retryInMs) => deps.log.info({ apiService, err, retryInMs }, 'APIService not available'),
    });
  }

  start(): void {
    const { cache, index } = this.deps;
    index.onChange((name) => (name ? this.queue.add(name) : this.enqueueAll()));
    // A Service or Endpoints change re-checks the APIServices that name it.
    for (const resource of ['services', 'endpoints']) {
      const sub = cache.subscribe(resource, undefined, (ev) => {
        if (ev.revision === -1) return this.enqueueAll();
        const meta = (ev.object['metadata'] ?? {}) as Obj;
        for (const e of index.all()) if (e.service?.namespace === meta['namespace'] && e.service?.name === meta['name']) this.queue.add(e.name);
      })!;
      this.unsubscribes.push(sub.unsubscribe);
    }
    this.timer = setInterval(() => this.enqueueAll(), this.deps.recheckMs ?? RECHECK_MS);
    this.timer.unref?.();
    this.enqueueAll();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const u of this.unsubscribes) u();
    await this.queue.stop();
  }

  private enqueueAll(): void {
    for (const e of this.deps.index.all()) this.queue.add(e.name);
  }

  async sync(name: string): Promise<void> {
    const obj = this.deps.cache.get(APISERVICES, objectKey(APISERVICES, undefined, name)) as unknown as APIService | undefined;
    if (!obj) return;
    const entry = entryOf(obj);
    let verdict = LOCAL;
    let failed: string | undefined;
    if (entry.service) {
      try {
        verdict = await this.check(entry);
      } catch (err) {
        if (!(err instanceof CheckFailed)) throw err;
        verdict = { status: 'False', reason: 'FailedDiscoveryCheck', message: err.message };
        failed = err.message;
      }
      if (verdict.status !== 'True' && !failed) failed = verdict.message;
    }
    await this.write(obj, verdict);
    // Not available: check again sooner than the resync, backing off.
    if (failed) throw new Error(failed);
  }

  /** The checks of a service-backed APIService, in Kubernetes' order; a failed discovery check throws CheckFailed. */
  private async check(entry: ApiServiceEntry): Promise<Verdict> {
    const { index } = this.deps;
    const ref = entry.service!;
    const svc = serviceOf(this.deps.cache, ref.namespace, ref.name);
    if (!svc) return { status: 'False', reason: 'ServiceNotFound', message: `service/${ref.name} in ${JSON.stringify(ref.namespace)} is not present` };
    const type = String(((svc['spec'] ?? {}) as Obj)['type'] ?? 'ClusterIP');
    if (type === 'ClusterIP') {
      const svcPort = servicePorts(svc).find((p) => p['port'] === ref.port);
      if (!svcPort) {
        return {
          status: 'False',
          reason: 'ServicePortError',
          message: `service/${ref.name} in ${JSON.stringify(ref.namespace)} is not listening on port ${ref.port}`,
        };
      }
      if (!this.deps.cache.get('endpoints', objectKey('endpoints', ref.namespace, ref.name))) {
        return { status: 'False', reason: 'EndpointsNotFound', message: `cannot find endpoints for service/${ref.name} in ${JSON.stringify(ref.namespace)}` };
      }
      const portName = String(svcPort['name'] ?? '');
      if (readyAddresses(this.deps.cache, ref.namespace, ref.name, portName).length === 0) {
        return {
          status: 'False',
          reason: 'MissingEndpoints',
          message: `endpoints for service/${ref.name} in ${JSON.stringify(ref.namespace)} have no addresses with port name ${JSON.stringify(portName)}`,
        };
      }
    }
    let backend: Backend;
    try {
      backend = resolveBackend(this.deps.cache, entry);
    } catch (err) {
      throw new CheckFailed(errorMessage(err));
    }
    const path = entry.group === '' ? `/api/${entry.version}` : `/apis/${entry.group}/${entry.version}`;
    const url = `https://${authority(backend)}${path}`;
    const list = await this.fetchDiscovery(entry, backend, path).catch((err: unknown) => {
      throw new CheckFailed(`failing or missing response from ${url}: ${errorMessage(err)}`);
    });
    index.setDiscovery(entry.name, list, await this.fetchOpenAPI(entry, backend));
    return { status: 'True', reason: 'Passed', message: 'all checks passed' };
  }

  /** GET the group version's resource list, as the aggregator (system:kube-aggregator in system:masters); 2xx or an error. */
  private async fetchDiscovery(entry: ApiServiceEntry, backend: Backend, path: string): Promise<ResourceList | undefined> {
    const url = `https://${authority(backend)}${path}`;
    const { code, text } = await this.get(entry, backend, path);
    if (code < 200 || code >= 300) throw new Error(`bad status from ${url}: ${code}`);
    return parseResourceList(text);
  }

  /**
   * Where the backend serves the group version's OpenAPI v3 document (its
   * `/openapi/v3` index entry, `?hash=` included), so this server's index
   * lists it and kubectl finds the kind's schema and parameters. Undefined
   * when the backend publishes none; never a reason to be unavailable.
   */
  private async fetchOpenAPI(entry: ApiServiceEntry, backend: Backend): Promise<string | undefined> {
    try {
      const { code, text } = await this.get(entry, backend, '/openapi/v3');
      if (code !== 200) return undefined;
      const paths = ((JSON.parse(text) as Obj)['paths'] ?? {}) as Record<string, { serverRelativeURL?: unknown }>;
      const url = paths[`apis/${entry.group}/${entry.version}`]?.serverRelativeURL;
      return typeof url === 'string' && url.startsWith(`/openapi/v3/apis/${entry.group}/${entry.version}`) ? url : undefined;
    } catch {
      return undefined;
    }
  }

  private get(entry: ApiServiceEntry, backend: Backend, path: string): Promise<{ code: number; text: string }> {
    const url = `https://${authority(backend)}${path}`;
    return new Promise((resolve, reject) => {
      const req = https.get(
        {
          host: backend.host,
          port: backend.port,
          path,
          // Kubernetes' check does not verify the backend's certificate; requests it proxies do.
          ...backendTls(entry, this.deps.proxyClient),
          rejectUnauthorized: false,
          headers: { accept: 'application/json', ...identityHeaders({ name: 'system:kube-aggregator', groups: ['system:masters'] }) },
          timeout: DISCOVERY_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_DOCUMENT_BYTES) return req.destroy(new Error(`the answer of ${url} is over ${MAX_DOCUMENT_BYTES} bytes`));
            chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => resolve({ code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out waiting for ${url}`)));
      req.on('error', reject);
    });
  }

  /** Writes the Available condition when it changed (its transition time moves only with its status). */
  private async write(obj: APIService, verdict: Verdict): Promise<void> {
    const previous = (obj.status?.conditions ?? []).find((c) => c.type === 'Available');
    if (previous && previous.status === verdict.status && previous.reason === verdict.reason && previous.message === verdict.message) return;
    const now = metaTime(this.deps.now());
    const condition: APIServiceCondition = {
      type: 'Available',
      status: verdict.status,
      lastTransitionTime: previous?.status === verdict.status ? (previous.lastTransitionTime ?? now) : now,
      reason: verdict.reason,
      message: verdict.message,
    };
    try {
      await this.deps.registry.modify(
        this.rt,
        undefined,
        obj.metadata!.name!,
        (current) => {
          const status = (current['status'] ?? {}) as { conditions?: APIServiceCondition[] };
          return { ...current, status: { ...status, conditions: [condition, ...(status.conditions ?? []).filter((c) => c.type !== 'Available')] } };
        },
        { status: true, manager: MANAGER },
      );
    } catch (err) {
      // Deleted meanwhile: nothing to keep.
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
}

/** A discovery answer as an APIResourceList, or undefined when it is not one (the check still passed). */
function parseResourceList(text: string): ResourceList | undefined {
  try {
    const doc = JSON.parse(text) as Obj;
    return Array.isArray(doc['resources']) ? { resources: doc['resources'] as Array<Record<string, unknown>> } : undefined;
  } catch {
    return undefined;
  }
}
