/**
 * `pods/{name}/log`: proxied to the kubelet of the pod's node (its
 * `/containerLogs/{ns}/{pod}/{container}` endpoint, as Kubernetes does),
 * found from the Node's InternalIP and `status.daemonEndpoints.kubeletEndpoint`.
 * Until a kubelet answers there, the reply is a 503 Status that says so.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage, type ResourceType } from '@mk8s/api';
import { errors } from '../errors.js';
import type { ServerContext } from './context.js';
import { kubeletFetch, kubeletScheme } from './kubelet-client.js';
import { kubeletTarget } from './kubelet-target.js';
import { bool, str, type Query } from './query.js';

/** PodLogOptions' booleans: passed on as `true` when true and left out otherwise, as Kubernetes' LogLocation does. */
const PASSED_FLAGS = ['follow', 'previous', 'timestamps'];
/** Passed on as sent (the kubelet validates them). */
const PASSED_PARAMS = ['tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes'];

export async function serveLog(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string,
  name: string,
  q: Query,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const { nodeName, host, port, container } = await kubeletTarget(ctx, rt, ns, name, str(q, 'container'), 'logs');
  const params = new URLSearchParams();
  // `follow=True`, `follow=t` and `follow` are true, `follow=FALSE` false: the kubelet gets `follow=true` or nothing.
  for (const p of PASSED_FLAGS) if (bool(q, p)) params.set(p, 'true');
  for (const p of PASSED_PARAMS) {
    const v = str(q, p);
    if (v !== undefined) params.set(p, v);
  }
  // Go's url.Values.Encode: keys sorted.
  params.sort();
  const url = `${kubeletScheme(ctx.kubeletTLS)}://${host}:${port}/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}${params.size > 0 ? `?${params}` : ''}`;
  const abort = new AbortController();
  req.raw.on('close', () => abort.abort());
  let res: Response;
  try {
    res = await kubeletFetch(url, ctx.kubeletTLS, abort.signal);
  } catch (err) {
    throw errors.unavailable(`the kubelet of node "${nodeName}" did not answer at ${url}: ${errorMessage(err)}`);
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '');
    throw errors.unavailable(`the kubelet of node "${nodeName}" answered ${res.status}: ${text.slice(0, 500)}`);
  }
  reply.header('Content-Type', 'text/plain');
  return reply.send(Readable.fromWeb(res.body as WebReadableStream));
}
