/**
 * Requests for a service-backed APIService's group version go to its
 * backend, whole: the path and query as sent, the body as sent, the reply
 * streamed back (watches included). Authentication and authorization ran
 * here first, on the request's own resource attributes; the backend learns
 * who asked from the `X-Remote-User`, `X-Remote-Group` and
 * `X-Remote-Extra-*` headers (a caller's own such headers, its credentials
 * and impersonation headers are never passed on) and may trust them because
 * the API server presents its proxy client certificate.
 *
 * As in Kubernetes, an APIService that is not Available, or whose Service
 * cannot be resolved, answers 503 with the plain-text body
 * `service unavailable`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WatchCache } from '../cache/watch-cache.js';
import { proxyRequest } from '../http/proxy.js';
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP } from '../auth/user.js';
import type { ApiServiceEntry } from './api-services.js';
import { IDENTITY_HEADERS, backendTls, identityHeaders, resolveBackend, type ProxyClientCert } from './backend.js';

function unavailable(reply: FastifyReply): FastifyReply {
  return reply.code(503).header('content-type', 'text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send('service unavailable\n');
}

export async function proxyToApiService(
  deps: { cache: WatchCache; proxyClient?: ProxyClientCert },
  entry: ApiServiceEntry,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  if (!entry.available) return unavailable(reply);
  let backend;
  try {
    backend = resolveBackend(deps.cache, entry);
  } catch (err) {
    req.log.warn({ err: (err as Error).message, apiService: entry.name }, `error resolving ${entry.service!.namespace}/${entry.service!.name}`);
    return unavailable(reply);
  }
  const user = req.user ?? { name: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };
  return proxyRequest(
    req,
    reply,
    {
      scheme: 'https',
      host: backend.host,
      port: backend.port,
      path: req.url,
      tls: backendTls(entry, deps.proxyClient),
      headers: identityHeaders(user),
      dropHeaders: IDENTITY_HEADERS,
    },
    `service "${entry.service!.namespace}/${entry.service!.name}"`,
  );
}
