/**
 * `pods/{name}[:port]/proxy[/path]` (and `https:{name}:{port}`): HTTP
 * proxied to the pod's IP, as Kubernetes' pod ResourceLocation does; the
 * port is a number or the name of one of the pod's container ports, 80
 * when absent. A pod without an IP yet is a 503.
 */
import { isLoopbackAddress } from '@mk8s/api';
import { errors } from '../../errors.js';
import { proxyRequest, splitProxyName } from '../../http/proxy.js';
import type { Obj, ResourceRequest, SubresourceDefinition } from '../definition.js';

function containerPort(pod: Obj, port: string): number | undefined {
  if (port === '') return 80;
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of (((pod['spec'] ?? {}) as Obj)['containers'] as Obj[] | undefined) ?? []) {
    for (const p of (c['ports'] as Obj[] | undefined) ?? []) if (p['name'] === port && typeof p['containerPort'] === 'number') return p['containerPort'];
  }
  return undefined;
}

async function servePodProxy({ ctx, definition, namespace, name: raw, req, reply }: ResourceRequest): Promise<unknown> {
  const { scheme, name, port } = splitProxyName(raw);
  const pod = await ctx.registry.get(definition.type, namespace, name);
  const ip = ((pod['status'] ?? {}) as Obj)['podIP'];
  if (typeof ip !== 'string' || ip === '') throw errors.unavailable(`pod "${name}" has no IP address yet`);
  // The API server's own loopback is not a pod's to expose (Kubernetes refuses such addresses too).
  if (isLoopbackAddress(ip)) throw errors.badRequest(`address not allowed: ${ip}`);
  const n = containerPort(pod, port);
  if (n === undefined || n < 1 || n > 65535) throw errors.badRequest(`pod "${name}" has no port ${JSON.stringify(port)}`);
  return proxyRequest(req, reply, { scheme: scheme || 'http', host: ip, port: n }, `pod "${name}" at ${ip}:${n}`);
}

/** The proxy verbs of Kubernetes' pods/proxy: one per HTTP method. */
export const podProxySubresource: SubresourceDefinition = {
  kind: 'PodProxyOptions',
  verbs: ['create', 'delete', 'get', 'patch', 'update'],
  serve: servePodProxy,
};
