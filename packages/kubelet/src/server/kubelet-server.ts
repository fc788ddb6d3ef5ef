/**
 * The kubelet's HTTP server (Kubernetes' pkg/kubelet/server, port 10250 there):
 * `/healthz`, `/metrics`, `/containerLogs/{ns}/{pod}/{container}` (what the
 * API server's `pods/log` proxies to), `/stats/summary`, and
 * `/exec/{ns}/{pod}/{container}` (what `pods/exec` proxies to: a WebSocket
 * upgrade, non-interactive commands only; see exec-server.ts). Plain HTTP
 * bound to 127.0.0.1 by default: no authentication is done then, so it only
 * listens on a loopback address and keeps web pages out (loopback `Host`,
 * no `Origin` on upgrades and writes; see browser-guard.ts). With `tls` it
 * serves HTTPS, which needs `tls.clientCA`: every path but
 * /healthz needs a client certificate that CA signed, of a user in an
 * authorized group (default `system:masters`, the API server's kubelet
 * client): 401 without one, 403 for another user.
 *
 * Not served: attach and port-forward.
 */
import { ServerResponse, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { CriRuntime } from '@mk8s/cri';
import { streamContainerLog } from './container-logs.js';
import { ExecServer, rejectUpgrade } from './exec-server.js';
import { browserRefusal, servingRefusal } from './browser-guard.js';
import type { ContainerLogLocator } from './log-locator.js';
import { LogOptionsError, parseLogOptions, type ContainerLogOptions, type RawQuery } from './log-options.js';
import { CpuRateTracker } from './stats-cpu-rate.js';
import { buildStatsSummary } from './stats-summary.js';

export interface KubeletServerOptions {
  /** 0 picks a free port (see the returned `port`). */
  port: number;
  /** Default 127.0.0.1; a loopback address unless `tls` has a `clientCA` (else this throws). */
  host?: string;
  logs: ContainerLogLocator;
  runtime: CriRuntime;
  /** /healthz: true (or absent) is 200 "ok"; false or a throw is 500. */
  healthz?: () => Promise<boolean> | boolean;
  /** Served on /metrics; a fresh registry with process metrics when absent. */
  registry?: Registry;
  /** Request logs (e.g. the component's pino logger); none when absent. */
  log?: FastifyBaseLogger;
  /** Reported as node.nodeName in /stats/summary. */
  nodeName?: string;
  /** How often a following log reader looks for new lines (default 100 ms). */
  logPollIntervalMs?: number;
  /** How long an exec'd command may run (default 1 h; ExecSync needs a limit). */
  execTimeoutSeconds?: number;
  /** Serve HTTPS, requiring client certificates `clientCA` signed (kubelet's --tls-cert-file, --client-ca-file); without `clientCA` this throws. */
  tls?: { cert: string | Buffer; key: string | Buffer; clientCA?: string | Buffer; authorizedGroups?: readonly string[] };
}

/** Who may call a kubelet that checks client certificates: undefined when allowed, else the status and why. */
export function checkKubeletClient(socket: unknown, authorizedGroups: readonly string[]): { code: 401 | 403; message: string } | undefined {
  const tls = socket as TLSSocket;
  const cert = typeof tls.getPeerCertificate === 'function' ? tls.getPeerCertificate() : undefined;
  if (!cert || Object.keys(cert).length === 0 || !tls.authorized) return { code: 401, message: 'Unauthorized' };
  const subject = (cert.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  const o = subject['O'];
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  if (groups.some((g) => authorizedGroups.includes(g))) return undefined;
  const cn = subject['CN'];
  return {
    code: 403,
    message: `Forbidden (user=${Array.isArray(cn) ? cn[0] : (cn ?? '')}, groups=${groups.join(',')}): only ${authorizedGroups.join(', ')} may call this kubelet`,
  };
}

export interface KubeletServer {
  /** e.g. http://127.0.0.1:10250 */
  url: string;
  port: number;
  /** Stops listening and ends open responses (following log streams and exec sessions too). */
  close(): Promise<void>;
}

export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const tls = opts.tls;
  // Without client certificates nobody is authenticated: loopback only, never HTTPS without a client CA.
  const refused = servingRefusal(opts.host ?? '127.0.0.1', tls);
  if (refused) throw new Error(refused);
  const registry = opts.registry ?? new Registry();
  if (!opts.registry) collectDefaultMetrics({ register: registry });
  const app = Fastify({
    ...(opts.log ? { loggerInstance: opts.log } : { logger: false }),
    forceCloseConnections: true,
    ...(tls ? { https: { cert: tls.cert, key: tls.key, ...(tls.clientCA ? { ca: tls.clientCA, requestCert: true, rejectUnauthorized: false } : {}) } } : {}),
  }) as unknown as FastifyInstance;
  const authorizedGroups = tls?.authorizedGroups ?? ['system:masters'];
  /** Every refusal of a browser-reachable request is logged (the attempt is worth an operator's look). */
  const refusedBrowser = (method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders): void =>
    app.log.warn({ host: headers.host, origin: headers.origin, method, url: url?.split('?')[0] }, 'refused a browser-reachable request');
  if (tls?.clientCA) {
    app.addHook('onRequest', async (req, reply) => {
      if ((req.url.split('?')[0] ?? '') === '/healthz') return;
      const denied = checkKubeletClient(req.raw.socket, authorizedGroups);
      if (denied) return reply.code(denied.code).type('text/plain; charset=utf-8').send(denied.message);
    });
  } else {
    app.addHook('onRequest', async (req, reply) => {
      const why = browserRefusal(req.method, req.headers);
      if (!why) return;
      refusedBrowser(req.method, req.url, req.headers);
      return reply.code(403).type('text/plain; charset=utf-8').send(why);
    });
  }

  app.get('/healthz', async (_req, reply) => {
    let ok: boolean;
    try {
      ok = opts.healthz ? (await opts.healthz()) !== false : true;
    } catch {
      ok = false;
    }
    reply.code(ok ? 200 : 500).type('text/plain; charset=utf-8');
    return ok ? 'ok' : 'healthz check failed';
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  const cpuRates = new CpuRateTracker();
  app.get('/stats/summary', async (_req, reply) => {
    const summary = await buildStatsSummary(opts.runtime, { rates: cpuRates, nodeName: opts.nodeName });
    reply.type('application/json; charset=utf-8');
    return summary;
  });

  // Upgrades arrive on the server's 'upgrade' event (below); a plain request here cannot stream.
  app.all('/exec/*', async (_req, reply) => {
    reply.code(400).type('text/plain; charset=utf-8');
    return 'Upgrade request required: exec is served over a WebSocket upgrade (v5.channel.k8s.io or v4.channel.k8s.io)';
  });

  const exec = new ExecServer({
    runtime: opts.runtime,
    timeoutSeconds: opts.execTimeoutSeconds,
    log: opts.log,
  });
  // With an 'upgrade' listener Node hands every upgrade request here: /exec/ is
  // upgraded, anything else is served by the routes as a plain request.
  app.server.on('upgrade', (req, socket, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/exec/')) {
      const denied = tls?.clientCA ? checkKubeletClient(socket, authorizedGroups) : undefined;
      if (denied) return rejectUpgrade(socket, denied.code, denied.message);
      const why = tls?.clientCA ? undefined : browserRefusal(req.method, req.headers);
      if (why) {
        refusedBrowser(req.method, req.url, req.headers);
        return rejectUpgrade(socket, 403, why);
      }
      return exec.handleUpgrade(req, socket, head);
    }
    // Node stops parsing at the headers of an upgrade: a body would never reach a route.
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined) {
      return rejectUpgrade(socket, 400, 'a request that asks for a connection upgrade cannot carry a body');
    }
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    app.routing(req, res);
  });

  app.get<{ Params: { namespace: string; pod: string; container: string }; Querystring: RawQuery }>(
    '/containerLogs/:namespace/:pod/:container',
    async (req, reply) => {
      const { namespace, pod, container } = req.params;
      let logOpts: ContainerLogOptions;
      try {
        logOpts = parseLogOptions(req.query, Date.now());
      } catch (err) {
        if (err instanceof LogOptionsError) return reply.code(400).type('text/plain; charset=utf-8').send(err.message);
        throw err;
      }
      const found = await opts.logs.locate(namespace, pod, container, logOpts.previous);
      if (!found) {
        const what = logOpts.previous ? 'previous terminated container' : 'container';
        return reply.code(404).type('text/plain; charset=utf-8').send(`${what} not found`);
      }

      // From here the response is a stream we write ourselves, headers first,
      // so a following client sees the response start before any line exists.
      const abort = new AbortController();
      reply.raw.on('close', () => abort.abort());
      const stopWhen = async (): Promise<boolean> => {
        if (!found.running) return true;
        // Exited, removed, or replaced by a newer attempt: this log is complete.
        const now = await opts.logs.locate(namespace, pod, container, logOpts.previous).catch(() => undefined);
        return !now || !now.running || now.path !== found.path;
      };
      const lines = streamContainerLog(found.path, logOpts, {
        signal: abort.signal,
        stopWhen,
        pollIntervalMs: opts.logPollIntervalMs,
      });
      reply.hijack();
      reply.raw.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      reply.raw.flushHeaders();
      try {
        await pipeline(Readable.from(lines), reply.raw);
      } catch (err) {
        // The client left (premature close), or the file became unreadable
        // after the headers went out: all that is left is to end the response.
        if (!abort.signal.aborted) req.log.warn({ err, namespace, pod, container }, 'container log stream failed');
        reply.raw.destroy();
      }
      return reply;
    },
  );

  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url,
    port,
    close: async () => {
      exec.closeAll();
      await app.close();
    },
  };
}
