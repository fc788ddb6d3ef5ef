/**
 * Finds where a pod's container is served by a kubelet, for the subresources
 * the API server proxies (`pods/log`, `pods/exec`): the container (the only
 * app container when none is named), the pod's node, and that node's kubelet
 * address (its InternalIP and `status.daemonEndpoints.kubeletEndpoint.Port`,
 * as Kubernetes finds it). Reads only; every failure is a StatusError.
 */
import type { ResourceType } from '@mk8s/api';
import { resourceFor } from '@mk8s/api';
import type { Obj } from '../cache/watch-cache.js';
import { errors } from '../errors.js';
import type { ServerContext } from './context.js';

export interface KubeletTarget {
  pod: Obj;
  container: string;
  nodeName: string;
  /** Host part for a URL (IPv6 in brackets). */
  host: string;
  port: number;
}

/**
 * `what` names the service in messages ("logs", "exec"). 404 for an unknown
 * pod; 400 when no container is named and the pod has several, for an unknown
 * container, and for a pod without a node; 503 when the node is not
 * registered or its kubelet publishes no address yet.
 */
export async function kubeletTarget(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string,
  name: string,
  container: string | undefined,
  what: string,
): Promise<KubeletTarget> {
  const pod = await ctx.registry.get(rt, ns, name);
  const spec = (pod['spec'] ?? {}) as Obj;
  const names = [...((spec['containers'] as Obj[] | undefined) ?? []), ...((spec['initContainers'] as Obj[] | undefined) ?? [])].map((c) => String(c['name']));
  if (!container) {
    const app = ((spec['containers'] as Obj[] | undefined) ?? []).map((c) => String(c['name']));
    if (app.length !== 1) {
      throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${app.join(' ')}]`);
    }
    container = app[0]!;
  } else if (!names.includes(container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const nodeName = spec['nodeName'];
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  let node: Obj;
  try {
    node = await ctx.registry.get(resourceFor('', 'v1', 'nodes')!, undefined, String(nodeName));
  } catch {
    throw errors.unavailable(`node "${String(nodeName)}" of pod ${name} is not registered: no kubelet serves its ${what}`);
  }
  const status = (node['status'] ?? {}) as Obj;
  const addresses = (status['addresses'] as Obj[] | undefined) ?? [];
  const ip = (addresses.find((a) => a['type'] === 'InternalIP') ?? addresses[0])?.['address'];
  const port = ((status['daemonEndpoints'] as Obj | undefined)?.['kubeletEndpoint'] as Obj | undefined)?.['Port'] as number | undefined;
  if (!ip || !port) {
    throw errors.unavailable(`the kubelet of node "${String(nodeName)}" does not publish an address and port for ${what} yet`);
  }
  const host = String(ip).includes(':') ? `[${String(ip)}]` : String(ip);
  return { pod, container, nodeName: String(nodeName), host, port };
}
