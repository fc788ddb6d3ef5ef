/**
 * `services/{name}[:port]/proxy[/path]` (and `https:{name}:{port}`): HTTP
 * proxied to one ready endpoint of the Service, picked at random, as
 * Kubernetes' service ResourceLocation does. The port is the Service
 * port's name or number; without one, the Service's only port. The
 * endpoint's port is the one of the same name in the Endpoints object.
 */
import { resourceFor } from '@mk8s/api';
import { errors } from '../../errors.js';
import { proxyRequest, splitProxyName } from '../../http/proxy.js';
import type { Obj, ResourceRequest, SubresourceDefinition } from '../definition.js';

async function serveServiceProxy({ ctx, definition, namespace, name: raw, req, reply }: ResourceRequest): Promise<unknown> {
  const { scheme, name, port } = splitProxyName(raw);
  const svc = await ctx.registry.get(definition.type, namespace, name);
  const ports = ((((svc['spec'] ?? {}) as Obj)['ports'] as Obj[] | undefined) ?? []).filter((p) => typeof p['port'] === 'number');
  const svcPort =
    port === '' ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => p['name'] === port || (/^\d+$/.test(port) && p['port'] === Number(port)));
  if (!svcPort) {
    throw errors.unavailable(
      port === '' ? `service "${name}" has several ports: name one (${name}:<port>)` : `no service port ${JSON.stringify(port)} found for service "${name}"`,
    );
  }
  const portName = String(svcPort['name'] ?? '');
  let endpoints: Obj | undefined;
  try {
    endpoints = await ctx.registry.get(resourceFor('', 'v1', 'endpoints')!, namespace, name);
  } catch {
    endpoints = undefined;
  }
  const candidates: Array<{ ip: string; port: number }> = [];
  for (const subset of (endpoints?.['subsets'] as Obj[] | undefined) ?? []) {
    const p = ((subset['ports'] as Obj[] | undefined) ?? []).find((x) => String(x['name'] ?? '') === portName);
    if (!p || typeof p['port'] !== 'number') continue;
    for (const a of (subset['addresses'] as Obj[] | undefined) ?? []) if (typeof a['ip'] === 'string') candidates.push({ ip: a['ip'], port: p['port'] });
  }
  if (candidates.length === 0) throw errors.unavailable(`no endpoints available for service "${name}"`);
  const pick = candidates[Math.floor(Math.random() * candidates.length)]!;
  return proxyRequest(req, reply, { scheme: scheme || 'http', host: pick.ip, port: pick.port }, `service "${name}" at ${pick.ip}:${pick.port}`);
}

/** The proxy verbs of Kubernetes' services/proxy: one per HTTP method. */
export const serviceProxySubresource: SubresourceDefinition = {
  kind: 'ServiceProxyOptions',
  verbs: ['create', 'delete', 'get', 'patch', 'update'],
  serve: serveServiceProxy,
};
