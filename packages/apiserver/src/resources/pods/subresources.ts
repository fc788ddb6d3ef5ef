/**
 * The Pod's subresources besides status: binding, eviction, log, exec, proxy, and
 * attach and port-forward, which this API server refuses with the reason
 * (the kubelet's runtimes implement no streaming yet).
 */
import { errors, successStatus } from '../../errors.js';
import { parseDeleteOptions } from '../../http/delete-options.js';
import { serveExec } from '../../http/exec-proxy.js';
import { serveLog } from '../../http/log-proxy.js';
import type { Obj, SubresourceDefinition } from '../definition.js';
import { bindPod } from './binding.js';
import { podProxySubresource } from './proxy.js';

const binding: SubresourceDefinition = {
  kind: 'Binding',
  verbs: ['create'],
  serve: ({ ctx, definition, namespace, name, req, reply }) => bindPod(ctx, definition.type, namespace!, name, req, reply),
};

/** An eviction is a delete with the Eviction's DeleteOptions (no PodDisruptionBudgets to consult yet). */
const eviction: SubresourceDefinition = {
  kind: 'Eviction',
  verbs: ['create'],
  group: 'policy',
  version: 'v1',
  async serve({ ctx, definition, namespace, name, req, reply, query }) {
    const body = (req.body ?? {}) as Obj;
    if (body['kind'] !== undefined && body['kind'] !== 'Eviction') throw errors.badRequest(`${String(body['kind'])} is not an Eviction`);
    const em = (body['metadata'] ?? {}) as Obj;
    if (em['name'] !== undefined && em['name'] !== name) throw errors.badRequest(`name in URL does not match name in Eviction object`);
    await ctx.registry.delete(definition.type, namespace, name, parseDeleteOptions(body['deleteOptions'] ?? undefined, query));
    reply.code(201);
    return successStatus(undefined, 201);
  },
};

const log: SubresourceDefinition = {
  kind: 'Pod',
  verbs: ['get'],
  serve: ({ ctx, definition, namespace, name, query, req, reply }) => serveLog(ctx, definition.type, namespace!, name, query, req, reply),
};

const exec: SubresourceDefinition = {
  kind: 'PodExecOptions',
  verbs: ['create', 'get'],
  serve: ({ ctx, definition, namespace, name, query, req, reply }) => serveExec(ctx, definition.type, namespace!, name, query, req, reply),
};

function refused(message: string): SubresourceDefinition {
  return {
    kind: 'Pod',
    verbs: ['create', 'get'],
    listed: false,
    serve: () => Promise.reject(errors.methodNotAllowed(message)),
  };
}

export const podSubresources: Record<string, SubresourceDefinition> = {
  binding,
  eviction,
  log,
  exec,
  proxy: podProxySubresource,
  attach: refused(
    'pods/attach is not supported by this API server: the kubelet runs commands through ExecSync and cannot attach to a running process; use kubectl logs, or kubectl exec for a non-interactive command',
  ),
  portforward: refused('pods/portforward is not supported by this API server: reach the pod at its pod IP or through a Service'),
};
