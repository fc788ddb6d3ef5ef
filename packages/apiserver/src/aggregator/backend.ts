/**
 * Where the requests of a service-backed APIService go, and how: HTTPS to
 * the Service's host, verified against the APIService's `caBundle` for the
 * name `<service>.<namespace>.svc` (unless `insecureSkipTLSVerify`),
 * presenting the API server's proxy client certificate when it has one.
 *
 * An ExternalName Service resolves to its external name at the APIService's
 * port, as kube-apiserver's default resolver does. Any other Service
 * resolves to one ready endpoint (kube-apiserver's
 * `--enable-aggregator-routing`): mk8s' API server runs on the host, where
 * ClusterIPs need not be routed.
 */
import type https from 'node:https';
import type { WatchCache } from '../cache/watch-cache.js';
import { readyAddresses, serviceOf, servicePorts } from '../resources/services/endpoint-of.js';
import type { ApiServiceEntry } from './api-services.js';

/** The API server's client certificate towards extension API servers (`--proxy-client-cert-file`, `--proxy-client-key-file`). */
export interface ProxyClientCert {
  cert: Buffer;
  key: Buffer;
}

export interface Backend {
  host: string;
  port: number;
}

type Obj = Record<string, unknown>;

/** Resolves an APIService's Service to an address; throws with Kubernetes' messages when it cannot. */
export function resolveBackend(cache: WatchCache, entry: ApiServiceEntry): Backend {
  const ref = entry.service!;
  const svc = serviceOf(cache, ref.namespace, ref.name);
  if (!svc) throw new Error(`service "${ref.name}" not found`);
  const spec = (svc['spec'] ?? {}) as Obj;
  const type = String(spec['type'] ?? 'ClusterIP');
  if (type === 'ExternalName') return { host: String(spec['externalName'] ?? ''), port: ref.port };
  if (type !== 'ClusterIP' && type !== 'NodePort' && type !== 'LoadBalancer') throw new Error(`unsupported service type ${JSON.stringify(type)}`);
  const svcPort = servicePorts(svc).find((p) => p['port'] === ref.port);
  if (!svcPort) throw new Error(`no service port ${ref.port} found for service ${JSON.stringify(ref.name)}`);
  const ready = readyAddresses(cache, ref.namespace, ref.name, String(svcPort['name'] ?? ''));
  if (ready.length === 0) throw new Error(`no endpoints available for service ${JSON.stringify(ref.name)}`);
  return ready[Math.floor(Math.random() * ready.length)]!;
}

/** The TLS settings of requests to an APIService's backend. */
export function backendTls(
  entry: ApiServiceEntry,
  client: ProxyClientCert | undefined,
): Pick<https.RequestOptions, 'ca' | 'servername' | 'rejectUnauthorized' | 'cert' | 'key'> {
  const ref = entry.service!;
  return {
    servername: `${ref.name}.${ref.namespace}.svc`,
    rejectUnauthorized: !entry.insecureSkipTLSVerify,
    ...(entry.caBundle && entry.caBundle.length > 0 ? { ca: entry.caBundle } : {}),
    ...(client ? { cert: client.cert, key: client.key } : {}),
  };
}

/** `host:port` as a URL authority (IPv6 in brackets). */
export function authority(b: Backend): string {
  return `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`;
}

/** The identity headers of a proxied request (Kubernetes' SetAuthProxyHeaders). */
export function identityHeaders(user: { name: string; groups: string[]; extra?: Record<string, string[]> }): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { 'x-remote-user': user.name };
  if (user.groups.length > 0) headers['x-remote-group'] = [...user.groups];
  for (const [key, values] of Object.entries(user.extra ?? {})) headers[`x-remote-extra-${encodeURIComponent(key).toLowerCase()}`] = [...values];
  return headers;
}

/** Headers a caller may never pass to an extension API server: the identity the API server asserts, and impersonation. */
export const IDENTITY_HEADERS = [
  'x-remote-user',
  'x-remote-uid',
  'x-remote-group',
  'x-remote-extra-',
  'impersonate-user',
  'impersonate-group',
  'impersonate-uid',
  'impersonate-extra-',
] as const;
