/**
 * `buildApiServer(opts)`: the fastify app serving the Kubernetes API over a
 * `Store`. It does not listen: the caller (apps/kube-apiserver, tests) does.
 *
 * Request pipeline: content-type parsing (JSON only; 400 for malformed, 413
 * over the body limit, 415 for other media types) -> request info (Kubernetes'
 * path grammar) -> discovery or the resource handler -> one error handler that
 * turns every failure into a `kind: Status` reply. Authentication,
 * authorization and admission slot in before the handler (see docs/api-server.md).
 */
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { PassThrough } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { buildOpenAPIV2, buildOpenAPIV3, buildOpenAPIV3Index, metaTime } from '@mk8s/api';
import type { Store } from '@mk8s/storage';
import { WatchCache } from './cache/watch-cache.js';
import { errors, StatusError, statusBodyHook } from './errors.js';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  aggregatedDiscoveryVersion,
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from './http/discovery.js';
import type { ServerContext } from './http/context.js';
import type { KubeletClientTLS } from './http/kubelet-client.js';
import { installUpgradeDispatch } from './http/exec-proxy.js';
import { installBrowserGuard, isUnauthenticated } from './http/browser-guard.js';
import { handleResource } from './http/resource-handler.js';
import { isApiPath, parseRequestInfo, rawPathOf, type RequestInfo } from './http/request-info.js';
import { parseJsonBody } from './http/json-body.js';
import { DEFAULT_REQUEST_READ_TIMEOUT_MS, badUrlStatus, clientErrorStatus } from './http/client-errors.js';
import { createMetrics, observeMemory, observeStorageSize, type ApiMetrics } from './metrics.js';
import { WatchBudget } from './http/watch.js';
import { PROTOBUF_CONTENT_TYPE, ProtobufDecodeError, decodeKubernetesProtobuf } from './protobuf/index.js';
import { Registry } from './registry/registry.js';
import type { AdmissionSettings } from './registry/strategy.js';
import { KeyExistsError, StoreUnavailableError } from '@mk8s/storage';
import { listPrefix, objectKey } from './registry/keys.js';
import { DEFAULT_EVENT_TTL_MS, EventReaper } from './registry/event-ttl.js';
import { CrdController } from './resources/custom/crd-controller.js';
import { Aggregator, type ApiServiceEntry, type ProxyClientCert } from './aggregator/index.js';
import { buildAdmissionChain, type AdmissionOptions } from './admission/index.js';
import { AuditLogger, type AuditOptions } from './audit/index.js';
import { installAuth, INSECURE_AUTH, type Auth, type AuthOptions } from './auth/index.js';
import {
  DEFAULT_METRICS_RESOLUTION_MS,
  METRICS_GROUP,
  METRICS_VERSION,
  MetricsApi,
  MetricsScraper,
  MetricsStore,
  isMetricsPath,
  metricsResourceList,
} from './metrics-api/index.js';

export interface ApiServerOptions {
  store: Store;
  /** fastify logger options, or false (default) for none. */
  logger?: FastifyServerOptions['logger'];
  /** An existing pino-compatible logger instead of `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Maximum request body (default 3 MiB, as Kubernetes). */
  bodyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 10 s). */
  bookmarkIntervalMs?: number;
  /** Events kept per resource for resuming watches from the cache (default 10,000; `--default-watch-cache-size`). */
  watchCacheWindow?: number;
  /** Approximate bytes the watch cache windows keep across resources (default 64 MiB; `--watch-cache-max-bytes`). */
  watchCacheMaxBytes?: number;
  /** Unsent bytes past which a watch is closed (default 8 MiB; `--watch-max-buffered-bytes`). */
  watchMaxBufferedBytes?: number;
  /** Unsent bytes of all watches past which the watches holding the most are closed (default 128 MiB; `--watch-max-total-buffered-bytes`). */
  watchMaxTotalBufferedBytes?: number;
  /** Include process metrics (CPU, memory, event loop) in /metrics. */
  processMetrics?: boolean;
  now?: () => number;
  /** Settings of the built-in admission steps (e.g. default toleration seconds); Kubernetes' defaults when absent. */
  admission?: Partial<AdmissionSettings>;
  /** The admission chain (admission/): plugins on or off, Pod Security defaults. All plugins on when absent. */
  admissionControl?: AdmissionOptions;
  /** Audit log (audit/); none when absent. */
  audit?: AuditOptions;
  /** IPv4 CIDR Services get ClusterIPs from (default 10.96.0.0/16; `--service-cluster-ip-range`). */
  serviceClusterIPRange?: string;
  /** Inclusive NodePort range (default 30000-32767; `--service-node-port-range`). */
  serviceNodePortRange?: string;
  /** How often kubelets' /stats/summary is scraped for metrics.k8s.io (default 10 s; `--metrics-resolution`); 0 never scrapes. */
  metricsResolutionMs?: number;
  /** Authentication and authorization (auth/); absent: anonymous requests, everything allowed (the insecure default). */
  auth?: AuthOptions;
  /** Serve HTTPS with these TLS options (key, cert, and `ca` + `requestCert` for client certificates). */
  https?: HttpsServerOptions;
  /** Call kubelets over HTTPS with this client certificate (`--kubelet-client-certificate`); plain HTTP when absent. */
  kubeletClient?: KubeletClientTLS;
  /**
   * How long a client may take to send a whole request, headers and body
   * (default 60 s, as Kubernetes' request timeout); a slower one gets a 408.
   * Responses are not bounded by it, so watches and exec streams live on.
   */
  requestReadTimeoutMs?: number;
  /** Events expire this long after their last activity (default 1 h; `--event-ttl`); see registry/event-ttl.ts. */
  eventTtlMs?: number;
  /** How often the Event reaper scans (default: a tenth of the TTL, between 1 s and 60 s). */
  eventTtlIntervalMs?: number;
  /** The store's size on disk, for `apiserver_storage_size_bytes` (the level backend's folder). */
  storageSizeBytes?: () => Promise<number>;
  /** The client certificate presented to extension API servers (`--proxy-client-cert-file`, `--proxy-client-key-file`). */
  proxyClient?: ProxyClientCert;
  /** How often APIServices' availability is checked again (default 30 s). */
  apiServiceRecheckMs?: number;
}

export interface ApiServer {
  app: FastifyInstance;
  registry: Registry;
  cache: WatchCache;
  metrics: ApiMetrics;
  /** The built-in metrics pipeline behind metrics.k8s.io (see metrics-api/). */
  metricsPipeline: { store: MetricsStore; scraper: MetricsScraper };
  auth: Auth;
  /** APIServices: registration, availability, proxying (aggregator/). */
  aggregator: Aggregator;
}

/** The version kubectl's dispatcher reads to pick its own minor (docs/api-server.md, Using it). */
/** Where `mk8s snapshot save` reads a snapshot of the store from. */
export const SNAPSHOT_PATH = '/mk8s/v1/snapshot';

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-mk8s',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'mk8s',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const JSON_TYPES = ['application/json', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** Namespaces that exist from the start, as in Kubernetes. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function statusFromError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  // The store refuses writes until it recovers (e.g. a full disk): say so, without the server's folder.
  if (err instanceof StoreUnavailableError)
    return errors.internal(`Internal error occurred: storage ${err.operation} failed: ${err.reason}; the server retries in the background`);
  const e = err as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.tooLarge('the request entity is too large: the limit is 3 MiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType([...JSON_TYPES, 'application/apply-patch+yaml']);
    default:
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return errors.badRequest(e.message ?? 'bad request');
      return errors.internal();
  }
}

export async function buildApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const readTimeoutMs = opts.requestReadTimeoutMs ?? DEFAULT_REQUEST_READ_TIMEOUT_MS;
  const bodyLimit = opts.bodyLimit ?? 3 * 1024 * 1024;
  const httpTimeouts = {
    headersTimeout: Math.min(readTimeoutMs, 32_000),
    // Node checks these timeouts on a timer: check often enough that a slow client is cut near its deadline.
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(readTimeoutMs / 4))),
    // Kubernetes' MaxHeaderBytes (1 MiB), not Node's 16 KiB: names that are path segments (Events, Roles) may be
    // long enough that their URL alone passes 16 KiB, and every stored object must stay addressable.
    maxHeaderSize: 1024 * 1024,
  };
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    bodyLimit,
    forceCloseConnections: true,
    return503OnClosing: true,
    requestTimeout: readTimeoutMs,
    // Kubernetes names may contain dots and colons; keep the router out of it.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    ...(opts.https ? { https: { ...opts.https, ...httpTimeouts } } : { http: httpTimeouts }),
    // What the HTTP layer refuses before a route runs is a Status too.
    frameworkErrors: (err, req, reply) => {
      const status = err.code === 'FST_ERR_BAD_URL' ? badUrlStatus(req.url) : statusFromError(err);
      void (reply as FastifyReply).code(status.code).type('application/json').send(status.body);
    },
    clientErrorHandler: clientErrorStatus,
  }) as unknown as FastifyInstance;
  // Every Status reply in Kubernetes' bytes: Go's field order, escaping and trailing newline (errors.ts).
  app.addHook('onSend', statusBodyHook);
  // `Expect: 100-continue` (curl asks before sending a body over 1 MiB): "100
  // Continue" only for a body the server will read. A body declared over the
  // limit gets the 413 Status straight away, through the usual pipeline
  // (audited, counted), before the client sends a byte of it. Answering 100
  // first would have the client sending while the 413 closes the
  // connection, and a busy client may then see a reset instead of the Status.
  app.server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (!(Number.isFinite(declared) && declared > bodyLimit)) res.writeContinue();
    app.server.emit('request', req, res);
  });
  app.server.on('checkExpectation', (_req, res) => {
    const status = new StatusError(417, '', 'only "Expect: 100-continue" is supported');
    const body = status.body;
    res.writeHead(417, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  const metrics = createMetrics({ processMetrics: opts.processMetrics ?? false });
  const cache = new WatchCache(opts.store, '/registry/', {
    windowSize: opts.watchCacheWindow,
    maxBytes: opts.watchCacheMaxBytes,
    onError: (err) => app.log.error({ err }, 'watch cache lost the store watch; relisting'),
    onEvict: (resource, reason) => metrics.watchCacheEvictions.inc({ resource, reason }),
  });
  const watchBudget = new WatchBudget({ maxBufferedBytes: opts.watchMaxBufferedBytes, maxTotalBufferedBytes: opts.watchMaxTotalBufferedBytes });
  observeMemory(metrics, { cache, store: opts.store, watchBudget });
  if (opts.storageSizeBytes) observeStorageSize(metrics, opts.storageSizeBytes);
  const now = opts.now ?? Date.now;
  const registry = new Registry({
    store: opts.store,
    cache,
    now,
    admission: opts.admission,
    allocatorSettings: { serviceClusterIPRange: opts.serviceClusterIPRange, serviceNodePortRange: opts.serviceNodePortRange },
    admit: buildAdmissionChain({ cache, store: opts.store, now }, opts.admissionControl, opts.admission),
  });
  const audit = opts.audit ? new AuditLogger(opts.audit, metrics.registry) : undefined;
  const ctx: ServerContext = {
    audit,
    registry,
    cache,
    store: opts.store,
    metrics,
    log: app.log,
    now,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 10_000,
    watchBudget,
    closeWatches: new Set(),
    closeStreams: new Set(),
    kubeletTLS: opts.kubeletClient,
  };
  const metricsResolutionMs = opts.metricsResolutionMs ?? DEFAULT_METRICS_RESOLUTION_MS;
  const metricsStore = new MetricsStore(metricsResolutionMs || DEFAULT_METRICS_RESOLUTION_MS);
  const metricsScraper = new MetricsScraper({
    store: metricsStore,
    listNodes: () => cache.list('nodes', listPrefix('nodes')),
    resolutionMs: metricsResolutionMs || DEFAULT_METRICS_RESOLUTION_MS,
    log: app.log,
    kubeletTLS: opts.kubeletClient,
  });
  const metricsApi = new MetricsApi(ctx, metricsStore);
  const eventReaper = new EventReaper(opts.store, {
    ttlMs: opts.eventTtlMs ?? DEFAULT_EVENT_TTL_MS,
    intervalMs: opts.eventTtlIntervalMs,
    now,
    onExpired: (n) => metrics.expiredEvents.inc(n),
    onError: (err) => app.log.warn({ err }, 'expiring events failed; the next scan retries'),
  });
  eventReaper.start();
  // Requests with `Upgrade` (pods/exec) reach the routes too; see exec-proxy.ts.
  installUpgradeDispatch(app);

  app.removeAllContentTypeParsers();
  // A proxy request's body is the backend's business: passed on as sent, whatever its type (http/proxy.ts),
  // as is the body of a request for an extension API server (aggregator/proxy.ts).
  const isProxy = (req: FastifyRequest): boolean => {
    const r = req as { requestInfo?: RequestInfo; apiService?: ApiServiceEntry };
    return r.requestInfo?.subresource === 'proxy' || r.apiService !== undefined;
  };
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (req, body, done) => {
    if (isProxy(req)) return done(null, String(body));
    try {
      done(null, parseJsonBody(String(body)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // kubectl's generators (`create configmap|deployment|...`) send protobuf; replies stay JSON.
  app.addContentTypeParser(PROTOBUF_CONTENT_TYPE, { parseAs: 'buffer' }, (req, body, done) => {
    if (isProxy(req)) return done(null, body);
    try {
      done(null, decodeKubernetesProtobuf(body as Buffer));
    } catch (err) {
      if (!(err instanceof ProtobufDecodeError)) return done(err as Error, undefined);
      done(
        err.unsupportedKind ? errors.unsupportedMediaType([...JSON_TYPES]) : errors.badRequest(`the protobuf body could not be decoded: ${err.message}`),
        undefined,
      );
    }
  });
  app.addContentTypeParser('application/apply-patch+yaml', { parseAs: 'string' }, (_req, body, done) => done(null, String(body)));
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if (isProxy(req)) return done(null, body);
    done(errors.unsupportedMediaType([...JSON_TYPES, 'application/apply-patch+yaml']), undefined);
  });
  // Unauthenticated (the insecure default): keep browsers out first, before anything reads the request (http/browser-guard.ts).
  if (isUnauthenticated(opts.auth ?? INSECURE_AUTH)) installBrowserGuard(app, [...JSON_TYPES, PROTOBUF_CONTENT_TYPE, 'application/apply-patch+yaml']);
  // The request is parsed once, from the path as sent, before authentication and authorization read it.
  // A group version an extension API server serves is routed there (aggregator/), with the same request info for auth and audit.
  app.addHook('onRequest', async (req) => {
    const rawPath = rawPathOf(req.url);
    if (!isApiPath(rawPath)) return;
    const info = parseRequestInfo(req.method, rawPath, (req.query ?? {}) as Record<string, unknown>);
    if (!info) throw errors.notFoundPath();
    const r = req as { requestInfo?: RequestInfo; apiService?: ApiServiceEntry };
    r.requestInfo = info;
    r.apiService = aggregator.remote(info.group, info.version);
  });
  const auth = installAuth(app, { cache, registry, log: app.log, now, options: opts.auth ?? INSECURE_AUTH });
  ctx.guardWrite = auth.guardWrite;
  ctx.auth = auth;
  const crds = new CrdController({ registry, cache, store: opts.store, now, log: app.log, servedChanged: auth.customResourcesServed });
  const aggregator = new Aggregator({
    registry,
    cache,
    now,
    log: app.log,
    proxyClient: opts.proxyClient,
    metrics: { group: METRICS_GROUP, version: METRICS_VERSION, list: metricsResourceList },
    recheckMs: opts.apiServiceRecheckMs,
  });
  const catalog = registry.catalog;

  app.setErrorHandler((err, req, reply) => {
    const status = statusFromError(err);
    if (status.code >= 500) req.log.error({ err }, 'request failed');
    void reply.code(status.code).type('application/json').send(status.status);
  });
  app.setNotFoundHandler((_req, reply) => {
    const status = errors.notFoundPath();
    void reply.code(404).type('application/json').send(status.status);
  });

  app.addHook('onResponse', (req, reply, done) => {
    const info = (req as { requestInfo?: RequestInfo }).requestInfo;
    const verb = info?.verb ?? req.method.toLowerCase();
    const resource = info?.resource ?? '';
    const subresource = info?.subresource ?? '';
    metrics.requests.inc({ verb, resource, subresource, code: String(reply.statusCode) });
    if (verb !== 'watch') metrics.latency.observe({ verb, resource, subresource }, reply.elapsedTime / 1000);
    audit?.record(req, reply);
    done();
  });
  // Upgraded sockets are not the HTTP server's to close: end them first.
  app.addHook('preClose', async () => {
    await Promise.all([...ctx.closeStreams].map((close) => close()));
  });
  app.addHook('onClose', async () => {
    await eventReaper.stop();
    await aggregator.stop();
    await crds.stop();
    await metricsScraper.stop();
    for (const close of [...ctx.closeWatches]) close();
    await cache.stop();
    await audit?.close();
  });

  /** Ready once the watch cache has loaded; a cache that takes over 5 s is reported as not ready. */
  const cacheReady = async (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([cache.start().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000)))]);
    } finally {
      clearTimeout(timer);
    }
  };
  for (const path of ['/healthz', '/livez', '/readyz']) {
    app.get(path, async (req, reply) => {
      // /livez: the process answers. /healthz and /readyz: the watch cache is loaded and the store takes
      // writes (a store that failed a write, e.g. on a full disk, reports unhealthy until it recovered).
      const checks: Array<[string, boolean, string]> = [];
      if (path !== '/livez') {
        checks.push(['watch-cache', await cacheReady(), 'watch cache not ready']);
        const health = opts.store.health?.();
        if (health) checks.push(['etcd', health.ok, 'storage unavailable: writes fail until it recovers (the API server log says why)']);
      }
      const failed = checks.filter(([, ok]) => !ok);
      const ok = failed.length === 0;
      const verbose = (req.query as Record<string, unknown>)['verbose'] !== undefined;
      reply.type('text/plain').code(ok ? 200 : 500);
      if (!verbose) return ok ? 'ok' : failed.map(([, , why]) => why).join('; ');
      const lines = ['[+]ping ok', ...checks.map(([name, passed]) => `[${passed ? '+' : '-'}]${name} ${passed ? 'ok' : 'failed'}`)];
      return `${lines.join('\n')}\n${path.slice(1)} check ${ok ? 'passed' : 'failed'}\n`;
    });
  }
  app.get('/version', async () => VERSION_INFO);
  // `mk8s snapshot save` (etcd: curl it, then etcdctl): a consistent copy of the store while it serves (docs/operations.md). Secrets are
  // in it, so it is a non-resource URL only cluster admins reach in secure mode (RBAC, nonResourceURLs).
  app.get(SNAPSHOT_PATH, async (_req, reply) => {
    const store = opts.store;
    if (!store.saveSnapshot) throw errors.notImplemented('this storage backend takes no snapshot here: with etcd, use `etcdctl snapshot save`');
    const body = new PassThrough();
    store.saveSnapshot(body).then(
      () => body.end(),
      (err: unknown) => {
        app.log.error({ err }, 'snapshot failed');
        body.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
    // level: mk8s' gzip'd format (`mk8s snapshot restore`); etcd: etcd's own (`etcdctl snapshot restore`).
    reply.type('application/octet-stream').header('content-disposition', 'attachment; filename="snapshot"');
    return reply.send(body);
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/openapi/v2', async (req, reply) => {
    const accept = req.headers.accept ?? '';
    if (accept && !/json|\*\/\*/.test(accept)) throw errors.notAcceptable('only application/json is served for /openapi/v2');
    reply.type('application/json');
    return buildOpenAPIV2(catalog.types());
  });
  // Extension API servers' group versions are listed as their backends publish them, and their documents proxied (aggregator/).
  app.get('/openapi/v3', async () => {
    const index = buildOpenAPIV3Index(catalog.types());
    return { paths: { ...index.paths, ...aggregator.openAPIPaths() } };
  });
  app.get('/openapi/v3/*', async (req, reply) => {
    const gv = (req.params as Record<string, string>)['*'] ?? '';
    const remote = aggregator.openAPIBackend(gv);
    if (remote) return aggregator.proxy(remote, req, reply);
    const doc = buildOpenAPIV3(catalog.types(), gv);
    if (!doc) throw errors.notFoundPath();
    return doc;
  });

  const serveApi = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const rawPath = rawPathOf(req.url);
    const apiService = (req as { apiService?: ApiServiceEntry }).apiService;
    if (apiService) return aggregator.proxy(apiService, req, reply);
    if (isMetricsPath(rawPath)) {
      await cache.start();
      return metricsApi.serve(req.method, rawPath.replace(/\/$/, ''), (req.query ?? {}) as Record<string, unknown>);
    }
    const info = (req as { requestInfo?: RequestInfo }).requestInfo;
    if (!info) throw errors.notFoundPath();
    if (info.discovery) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed();
      const host = req.headers.host ?? 'localhost';
      let doc: unknown;
      const path = rawPath.replace(/\/$/, '');
      // The document depends on Accept (plain or aggregated): caches must key on it.
      reply.header('vary', 'Accept');
      const aggregated = path === '/api' || path === '/apis' ? aggregatedDiscoveryVersion(req.headers.accept) : undefined;
      if (aggregated) {
        const extra = aggregator.extraGroups();
        // Sent as bytes so the media type goes out as Kubernetes writes it (fastify re-quotes the parameters of a JSON or text reply's type).
        const body = Buffer.from(JSON.stringify(aggregatedDiscovery(catalog, path === '/api', aggregated, extra, aggregator.groupOrder)));
        return reply.header('content-type', aggregatedContentType(aggregated)).send(body);
      }
      if (path === '/api') doc = apiVersions(catalog, host);
      else if (path === '/apis') doc = apiGroupList(catalog, aggregator.extraGroups(), aggregator.groupOrder);
      else if (!info.version) doc = apiGroupDoc(catalog, info.group, aggregator.extraGroups());
      else doc = apiResourceList(catalog, info.group, info.version);
      if (!doc) throw errors.notFoundPath();
      return doc;
    }
    // Across all namespaces a namespaced resource is only read (list, watch); Kubernetes has no other route there.
    const namespaced = catalog.lookup(info.group, info.version, info.resource ?? '')?.type.namespaced === true;
    if (namespaced && info.namespace === undefined && info.name === undefined && info.verb !== 'list' && info.verb !== 'watch') {
      throw errors.methodNotAllowed();
    }
    await cache.start();
    return handleResource(ctx, info, req, reply);
  };
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  for (const path of ['/api', '/api/*', '/apis', '/apis/*']) app.route({ method: [...methods], url: path, handler: serveApi });

  await cache.start();
  await ensureNamespaces(opts.store, now);
  await auth.start();
  // Allocations are derived from the stored Services before the first write is served.
  await cache.fresh();
  registry.rebuildAllocators();
  // Custom resources are served before the first request is (their CRDs read from the cache).
  await crds.start();
  // APIServices for everything served here, then their availability and the extension API servers'.
  await aggregator.start();
  if (metricsResolutionMs > 0) metricsScraper.start();
  return { app, registry, cache, metrics, metricsPipeline: { store: metricsStore, scraper: metricsScraper }, auth, aggregator };
}

/** Creates the system namespaces if missing (idempotent across restarts). */
async function ensureNamespaces(store: Store, now: () => number): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    const key = objectKey('namespaces', undefined, name);
    if (await store.get(key)) continue;
    const ns = {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: {
        name,
        uid: crypto.randomUUID(),
        creationTimestamp: metaTime(now()),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
    try {
      await store.create(key, JSON.stringify(ns));
    } catch (err) {
      if (!(err instanceof KeyExistsError)) throw err;
    }
  }
}
