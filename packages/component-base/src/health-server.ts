/**
 * The small HTTP server every component other than the API server exposes
 * (like Kubernetes' --secure-port / --healthz-port): `/healthz`, `/livez`,
 * `/readyz` (named checks, `?verbose` lists them) and Prometheus `/metrics`.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { errorMessage } from '@mk8s/api';

/** A named check: resolves true (or void) when healthy; false or a throw is unhealthy. */
export type HealthCheck = () => boolean | void | Promise<boolean | void>;

export interface HealthServerOptions {
  port: number;
  host?: string;
  /** Metrics served on /metrics; a fresh registry with process metrics when absent. */
  registry?: Registry;
  /** Checks for /healthz and /livez. */
  liveness?: Record<string, HealthCheck>;
  /** Checks for /readyz (liveness checks are included). */
  readiness?: Record<string, HealthCheck>;
  logger?: FastifyBaseLogger;
}

export interface HealthServer {
  url: string;
  registry: Registry;
  close(): Promise<void>;
}

async function run(checks: Record<string, HealthCheck>): Promise<Array<{ name: string; ok: boolean; error?: string }>> {
  return Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        const r = await check();
        return { name, ok: r !== false };
      } catch (err) {
        return { name, ok: false, error: errorMessage(err) };
      }
    }),
  );
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const registry = opts.registry ?? new Registry();
  if (!opts.registry) collectDefaultMetrics({ register: registry });
  // Kept: Fastify takes one of loggerInstance and logger, so only one key is set.
  const app = Fastify({ ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }), forceCloseConnections: true });
  const endpoints: Record<string, Record<string, HealthCheck>> = {
    '/healthz': opts.liveness ?? {},
    '/livez': opts.liveness ?? {},
    '/readyz': { ...(opts.liveness ?? {}), ...(opts.readiness ?? {}) },
  };
  for (const [path, checks] of Object.entries(endpoints)) {
    app.get(path, async (req, reply) => {
      const results = await run(checks);
      const ok = results.every((r) => r.ok);
      reply.code(ok ? 200 : 500).type('text/plain');
      if ((req.query as Record<string, unknown>)['verbose'] === undefined) return ok ? 'ok' : `${path.slice(1)} check failed`;
      const lines = results.map((r) => `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? 'ok' : `failed${r.error ? `: ${r.error}` : ''}`}`);
      return `[+]ping ok\n${lines.join('\n')}${lines.length ? '\n' : ''}${path.slice(1)} check ${ok ? 'passed' : 'failed'}\n`;
    });
  }
  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  return { url, registry, close: () => app.close() };
}
