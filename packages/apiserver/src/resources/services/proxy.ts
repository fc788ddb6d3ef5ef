/**
 * `services/{name}[:port]/proxy[/path]` (and `https:{name}:{port}`): HTTP
 * proxied to one ready endpoint of the Service, picked at random, as
 * Kubernetes' service ResourceLocation does. The port is the Service
 * port's name or number; without one, the Service's only port. The
 * endpoint's port is the one of the same name in the Endpoints object.
 */
import { errors } from '../../errors.js';
import { proxyRequest, splitProxyName } from '../../http/proxy.js';
import type { ResourceRequest, SubresourceDefinition } from '../definition.js';
import { pickEndpoint, servicePorts } from './endpoint-of.js';

async function serveServiceProxy({ ctx, definition, namespace, name: raw, req, reply }: ResourceRequest): Promise<unknown> {
  const { scheme, name, port } = splitProxyName(raw);
  const svc = await ctx.registry.get(definition.type, namespace, name);
  const ports = servicePorts(svc);
  const svcPort =
    port === '' ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => p['name'] === port || (/^\d+$/.test(port) && p['port'] === Number(port)));
  if (!svcPort) {
    throw errors.unavailable(
      port === '' ? `service "${name}" has several ports: name one (${name}:<port>)` : `no service port ${JSON.stringify(port)} found for service "${name}"`,
    );
  }
  const pick = pickEndpoint(ctx.cache, namespace!, svc, svcPort);
  return proxyRequest(req, reply, { scheme: scheme || 'http', host: pick.host, port: pick.port }, `service "${name}" at ${pick.host}:${pick.port}`);
}
/** The proxy verbs of Kubernetes' services/proxy: one per HTTP method. */
export const serviceProxySubresource: SubresourceDefinition = {
  kind: 'ServiceProxyOptions',
  verbs: ['create', 'delete', 'get', 'patch', 'update'],
  serve: serveServiceProxy,
};
