/**
 * `pods/{name}/log`: proxied to the kubelet of the pod's node (its
 * `/containerLogs/{ns}/{pod}/{container}` endpoint, as Kubernetes does),
 * found from the Node's InternalIP and `status.daemonEndpoints.kubeletEndpoint`.
 * Until a kubelet answers there, the reply is a 503 Status that says so.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceType } from '@mk8s/api';
import { resourceFor } from '@mk8s/api';
import type { Obj } from '../cache/watch-cache.js';
import { errors } from '../errors.js';
import type { ServerContext } from './context.js';
import { str, type Query } from './query.js';

const PASSED_PARAMS = ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes'];

export async function serveLog(ctx: ServerContext, rt: ResourceType, ns: string, name: string, q: Query, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const pod = await ctx.registry.get(rt, ns, name);
  const spec = (pod['spec'] ?? {}) as Obj;
  const names = [...((spec['containers'] as Obj[] | undefined) ?? []), ...((spec['initContainers'] as Obj[] | undefined) ?? [])].map((c) => String(c['name']));
  let container = str(q, 'container');
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
    throw errors.unavailable(`node "${String(nodeName)}" of pod ${name} is not registered: no kubelet serves its logs`);
  }
  const status = (node['status'] ?? {}) as Obj;
  const addresses = (status['addresses'] as Obj[] | undefined) ?? [];
  const ip = (addresses.find((a) => a['type'] === 'InternalIP') ?? addresses[0])?.['address'];
  const port = (((status['daemonEndpoints'] as Obj | undefined)?.['kubeletEndpoint'] as Obj | undefined)?.['Port']) as number | undefined;
  if (!ip || !port) {
    throw errors.unavailable(`the kubelet of node "${String(nodeName)}" does not publish an address and port for logs yet`);
  }
  const params = new URLSearchParams();
  for (const p of PASSED_PARAMS) {
    const v = str(q, p);
    if (v !== undefined) params.set(p, v);
  }
  const url = `http://${String(ip).includes(':') ? `[${String(ip)}]` : String(ip)}:${port}/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${params}`;
  const abort = new AbortController();
  req.raw.on('close', () => abort.abort());
  let res: Response;
  try {
    res = await fetch(url, { signal: abort.signal });
  } catch (err) {
    throw errors.unavailable(`the kubelet of node "${String(nodeName)}" did not answer at ${url}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '');
    throw errors.unavailable(`the kubelet of node "${String(nodeName)}" answered ${res.status}: ${text.slice(0, 500)}`);
  }
  reply.header('Content-Type', 'text/plain');
  return reply.send(Readable.fromWeb(res.body as WebReadableStream));
}
