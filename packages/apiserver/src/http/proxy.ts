/**
 * The HTTP proxy behind `pods/proxy` and `services/proxy`: the request's
 * method, path after `/proxy`, query, headers and body go to one backend
 * address, and its status, headers and body come back as they are
 * (Kubernetes' UpgradeAwareHandler, without upgrades). Hop-by-hop headers
 * are dropped both ways, and the caller's credentials (Authorization,
 * Cookie) never reach the backend: a pod is not to see the token its
 * caller holds for the API server.
 */
import http from 'node:http';
import https from 'node:https';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage } from '@mk8s/api';
import { errors } from '../errors.js';
import { rawPathOf } from './request-info.js';

/** Headers of one connection, not of the message (RFC 9110 7.6.1), plus the caller's credentials. */
const DROPPED_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
  'cookie',
  'content-length',
]);
const DROPPED_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** How long the backend may take to answer (headers) before the reply is a 503. */
const BACKEND_TIMEOUT_MS = 30_000;

export interface ProxyTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** The path and query to ask for; by default what follows `/proxy` in the request. */
  path?: string;
  /** HTTPS settings (CA, server name, client certificate); without them the backend's certificate is not verified. */
  tls?: Pick<https.RequestOptions, 'ca' | 'servername' | 'rejectUnauthorized' | 'cert' | 'key'>;
  /** Headers set on the backend request after the caller's were copied (and any of the same name dropped). */
  headers?: Record<string, string | string[]>;
  /** Request header names (lower case) or prefixes ending in `-` never passed on from the caller. */
  dropHeaders?: readonly string[];
}

/**
 * `name`, `name:port` or `scheme:name:port`, as Kubernetes splits the name
 * of a proxy request (`https:web:8443`, `web:http`); scheme `http` or `https`.
 */
export function splitProxyName(raw: string): { scheme: 'http' | 'https' | ''; name: string; port: string } {
  const parts = raw.split(':');
  if (parts.length === 3 && (parts[0] === 'http' || parts[0] === 'https')) return { scheme: parts[0], name: parts[1]!, port: parts[2]! };
  if (parts.length === 2) return { scheme: '', name: parts[0]!, port: parts[1]! };
  if (parts.length === 1) return { scheme: '', name: raw, port: '' };
  throw errors.badRequest(`invalid proxy request name ${JSON.stringify(raw)}: expected name, name:port or scheme:name:port`);
}

/** The path after `.../{name}/proxy` as sent (still percent-encoded), `/` when none, and the query. */
function upstreamPath(url: string): string {
  const raw = rawPathOf(url);
  const at = raw.search(/\/proxy(\/|$)/);
  const rest = at < 0 ? '/' : raw.slice(at + '/proxy'.length) || '/';
  const q = url.indexOf('?');
  return q < 0 ? rest : rest + url.slice(q);
}

/** Sends the request to `target` and streams the answer back; a backend that cannot be reached is a 503. */
export function proxyRequest(req: FastifyRequest, reply: FastifyReply, target: ProxyTarget, what: string): Promise<unknown> {
  const headers: http.OutgoingHttpHeaders = {};
  const dropped = (k: string): boolean =>
    DROPPED_REQUEST.has(k) || (target.dropHeaders ?? []).some((d) => (d.endsWith('-') ? k.startsWith(d) : k === d)) || k in (target.headers ?? {});
  for (const [k, v] of Object.entries(req.headers)) if (!dropped(k) && v !== undefined) headers[k] = v;
  Object.assign(headers, target.headers);
  const body =
    req.body === undefined || req.body === null
      ? undefined
      : Buffer.isBuffer(req.body)
        ? req.body
        : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
  if (body) headers['content-length'] = body.length;
  const path = target.path ?? upstreamPath(req.url);
  const client = target.scheme === 'https' ? https : http;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return new Promise((resolve, reject) => {
    const upstream = client.request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path,
        headers: { ...headers, host: `${host}:${target.port}` },
        timeout: BACKEND_TIMEOUT_MS,
        // Pods serve their own certificates; Kubernetes does not verify them either.
        ...(target.scheme === 'https' ? (target.tls ?? { rejectUnauthorized: false }) : {}),
      },
      (res) => {
        // The timeout bounds the wait for an answer, not a stream (a watch may be quiet for minutes).
        upstream.setTimeout(0);
        // Through fastify, so the reply is counted and audited as any other.
        reply.code(res.statusCode ?? 502);
        for (const [k, v] of Object.entries(res.headers)) if (!DROPPED_RESPONSE.has(k) && v !== undefined) reply.header(k, v);
        resolve(reply.send(res));
      },
    );
    const fail = (err: unknown): void => {
      upstream.destroy();
      reject(errors.unavailable(`error trying to reach ${what}: ${errorMessage(err)}`));
    };
    upstream.on('timeout', () => fail(new Error(`no answer from ${host}:${target.port} within ${BACKEND_TIMEOUT_MS / 1000}s`)));
    upstream.on('error', fail);
    // A caller that goes away takes the backend request with it.
    reply.raw.on('close', () => upstream.destroy());
    upstream.end(body);
  });
}
