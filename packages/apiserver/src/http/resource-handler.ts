/**
 * Serves `/api/v1/...` and `/apis/{group}/{version}/...` resource requests:
 * maps the parsed request onto the registry, the watch cache and the
 * subresources, and shapes replies (objects, lists, tables, watch streams).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage, type ResourceType } from '@mk8s/api';
import { metaTime, objectFields, parseFieldSelector, parseLabelSelector, resourceFor, unsupportedFieldLabels } from '@mk8s/api';
import { errors, StatusError, successStatus } from '../errors.js';
import type { Obj } from '../cache/watch-cache.js';
import type { ListResult, WriteOptions } from '../registry/registry.js';
import { applyPatch } from '../patch/index.js';
import { PatchError } from '../patch/errors.js';
import { toTable } from '../tables/index.js';
import { negotiate, type Negotiated } from './accept.js';
import { dryRun, str, writeOptions, type Query } from './query.js';
import type { RequestInfo } from './request-info.js';
import type { ServerContext } from './context.js';
import { serveWatch } from './watch.js';
import { parseDeleteOptions } from './delete-options.js';
import { listOptions } from './list-options.js';
import { warningHeaderValues } from './warning-header.js';
import { serveLog } from './log-proxy.js';
import { serveExec } from './exec-proxy.js';
import { scaleHandlers } from './scale.js';
import { auditAnnotations } from '../audit/audit-log.js';

export type Filter = (obj: Obj) => boolean;

/** Builds the object filter for label and field selectors; bad selectors are 400s. */
export function selectorFilter(rt: ResourceType, q: Query): Filter {
  const ls = str(q, 'labelSelector');
  const fs = str(q, 'fieldSelector');
  let labelMatch: Filter | undefined;
  let fieldMatch: Filter | undefined;
  if (ls) {
    let sel;
    try {
      sel = parseLabelSelector(ls);
    } catch (err) {
      throw errors.badRequest(`unable to parse requirement: ${errorMessage(err)}`);
    }
    labelMatch = (o) => sel.matches((o['metadata'] as Obj | undefined)?.['labels'] as Record<string, string> | undefined);
  }
  if (fs) {
    let sel;
    try {
      sel = parseFieldSelector(fs);
    } catch (err) {
      throw errors.badRequest(errorMessage(err));
    }
    const unsupported = unsupportedFieldLabels(rt.kind, sel);
    if (unsupported.length > 0) throw errors.badRequest(`field label not supported: ${unsupported[0]}`);
    fieldMatch = (o) => sel.matches(objectFields(rt.kind, o));
  }
  if (labelMatch && fieldMatch) return (o) => labelMatch(o) && fieldMatch(o);
  return labelMatch ?? fieldMatch ?? (() => true);
}

/** Adds `Warning` headers; called after a write commits, so it must not fail (see warning-header.ts). */
export function warn(reply: FastifyReply, warnings: readonly string[]): void {
  const values = warningHeaderValues(warnings);
  if (values.length > 0) reply.header('Warning', values);
}

/** Lists and objects, as JSON or as a Table when the client asked for one. */
function render(ctx: ServerContext, rt: ResourceType, neg: Negotiated, body: Obj, list?: { items: Obj[]; resourceVersion: string; continue?: string }): Obj {
  if (!neg.table) return body;
  const objects = list ? list.items : [body];
  return toTable(rt.resource, objects, {
    now: ctx.now(),
    includeObject: neg.includeObject,
    resourceVersion: list?.resourceVersion,
    continue: list?.continue,
  }) as unknown as Obj;
}

/** A list request: selectors and ListOptions from the query, validated, then the registry's list. */
export async function listObjects(ctx: ServerContext, rt: ResourceType, ns: string | undefined, q: Query): Promise<ListResult> {
  const filter = selectorFilter(rt, q);
  const o = listOptions(q, 'list');
  return ctx.registry.list(rt, ns, {
    filter,
    limit: o.limit,
    continue: o.continue,
    resourceVersion: o.rawResourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
  });
}

export async function handleResource(ctx: ServerContext, info: RequestInfo, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const rt = resourceFor(info.group, info.version, info.resource ?? '');
  if (!rt) {
    // Kubernetes' bindings collection: POST /api/v1/namespaces/{ns}/bindings with the pod's name in the Binding.
    if (info.group === '' && info.resource === 'bindings' && info.verb === 'create' && info.namespace) {
      const pods = resourceFor('', 'v1', 'pods')!;
      const name = String(((req.body as Obj | undefined)?.['metadata'] as Obj | undefined)?.['name'] ?? '');
      return bindPod(ctx, pods, info.namespace, name, req, reply);
    }
    throw errors.notFoundPath();
  }
  if (!rt.namespaced && info.namespace !== undefined) throw errors.notFoundPath();
  const ns = rt.namespaced ? info.namespace : undefined;
  if (rt.namespaced && info.name !== undefined && !ns) throw errors.notFoundPath();
  const q = (req.query ?? {}) as Query;
  const neg = negotiate(req.headers.accept, q['includeObject']);
  if (!neg) throw errors.notAcceptable('only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io');

  if (info.subresource !== undefined) return handleSubresource(ctx, rt, ns, info, req, reply, neg);

  const reg = ctx.registry;
  switch (info.verb) {
    case 'list': {
      const result = await listObjects(ctx, rt, ns, q);
      const metadata: Obj = { resourceVersion: result.resourceVersion };
      if (result.continue) metadata['continue'] = result.continue;
      return render(ctx, rt, neg, { kind: rt.listKind, apiVersion: rt.apiVersion, metadata, items: result.items }, result);
    }
    case 'watch': {
      const filter = selectorFilter(rt, q);
      const byName = info.name;
      return serveWatch(ctx, rt, ns, byName ? (o) => (o['metadata'] as Obj)['name'] === byName && filter(o) : filter, q, neg, req, reply);
    }
    case 'get':
      return render(ctx, rt, neg, await reg.get(rt, ns, info.name!));
    case 'create': {
      if (info.name !== undefined) throw errors.methodNotAllowed();
      const r = await reg.create(rt, ns, req.body, await guarded(ctx, rt, info, req, writeOptions(q, 'CreateOptions')));
      warn(reply, r.warnings);
      reply.code(201);
      return r.object;
    }
    case 'update': {
      if (info.name === undefined) throw errors.methodNotAllowed();
      const r = await reg.update(rt, ns, info.name, req.body, await guarded(ctx, rt, info, req, writeOptions(q, 'UpdateOptions')));
      warn(reply, r.warnings);
      reply.code(r.created ? 201 : 200);
      return r.object;
    }
    case 'patch': {
      if (info.name === undefined) throw errors.methodNotAllowed();
      const r = await patch(ctx, rt, ns, info.name, req, q, false, info);
      warn(reply, r.warnings);
      return r.object;
    }
    case 'delete': {
      const r = await reg.delete(rt, ns, info.name!, parseDeleteOptions(req.body, q));
      return r.object;
    }
    case 'deletecollection': {
      // Kubernetes serves no deletecollection on namespaces: one request must not empty a cluster.
      if (rt.resource === 'namespaces') throw errors.methodNotAllowed();
      const filter = selectorFilter(rt, q);
      const opts = parseDeleteOptions(req.body, q);
      const { items, resourceVersion } = await reg.list(rt, ns, { filter });
      const out: Obj[] = [];
      for (const item of items) {
        const m = item['metadata'] as Obj;
        try {
          out.push((await reg.delete(rt, m['namespace'] as string | undefined, String(m['name']), opts)).object);
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
      return { kind: rt.listKind, apiVersion: rt.apiVersion, metadata: { resourceVersion }, items: out };
    }
  }
}

/** Runs a patch algorithm, turning its PatchError into the Status Kubernetes answers with. */
export function patchOrStatus<T>(ctx: ServerContext, rt: ResourceType, name: string, apply: () => T): T {
  try {
    return apply();
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    if (err.code === 415)
      throw errors.unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
    if (err.code === 422) throw errors.invalid(ctx.registry.target(rt, name), [{ type: 'FieldValueInvalid', field: '', message: err.message }]);
    if (err.code === 409) throw errors.conflict(ctx.registry.target(rt, name), err.message);
    throw errors.badRequest(err.message);
  }
}

/** Write options with the server's check of this request's write (RBAC escalation prevention), when it has one, and what admission needs (the user, the audit annotations). */
async function guarded(ctx: ServerContext, rt: ResourceType, info: RequestInfo, req: FastifyRequest, opts: WriteOptions): Promise<WriteOptions> {
  const check = await ctx.guardWrite?.(rt, info, req.user);
  const withAdmission: WriteOptions = { ...opts, admission: { user: req.user, auditAnnotations: auditAnnotations(req) } };
  return check ? { ...withAdmission, check } : withAdmission;
}

async function patch(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string | undefined,
  name: string,
  req: FastifyRequest,
  q: Query,
  status: boolean,
  info?: RequestInfo,
) {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const opts = writeOptions(q, 'PatchOptions');
  // The check sees the patched object, as Kubernetes checks the result of the update.
  return ctx.registry.modify(rt, ns, name, (current) => patchOrStatus(ctx, rt, name, () => applyPatch(contentType, current, req.body, rt.schema)), {
    status,
    ...(info ? await guarded(ctx, rt, info, req, opts) : opts),
  });
}

async function bindPod(ctx: ServerContext, pods: ResourceType, ns: string, name: string, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = req.body as Obj | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request must be a Binding object');
  if (body['kind'] !== undefined && body['kind'] !== 'Binding') throw errors.badRequest(`${String(body['kind'])} is not a Binding`);
  const meta = (body['metadata'] ?? {}) as Obj;
  if (meta['name'] !== undefined && meta['name'] !== name) {
    throw errors.badRequest(`the name of the object (${String(meta['name'])}) does not match the name on the URL (${name})`);
  }
  const node = String(((body['target'] ?? {}) as Obj)['name'] ?? '');
  if (!node) {
    throw errors.invalid({ qualifiedResource: 'bindings', group: '', kind: 'Binding', name }, [
      { type: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
    ]);
  }
  await ctx.registry.mutateRaw(pods, ns, name, (pod) => {
    const spec = (pod['spec'] ?? {}) as Obj;
    const target = ctx.registry.target(pods, name);
    if (spec['nodeName']) throw errors.conflict(target, `pod ${name} is already assigned to node "${String(spec['nodeName'])}"`);
    const pm = pod['metadata'] as Obj;
    if (pm['deletionTimestamp']) throw errors.conflict(target, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (meta['uid'] && meta['uid'] !== pm['uid'])
      throw errors.conflict(target, `Precondition failed: UID in precondition: ${String(meta['uid'])}, UID in object meta: ${String(pm['uid'])}`);
    spec['nodeName'] = node;
    pod['spec'] = spec;
    const annotations = meta['annotations'] as Record<string, string> | undefined;
    if (annotations) pm['annotations'] = { ...((pm['annotations'] as Obj | undefined) ?? {}), ...annotations };
    const status = (pod['status'] ?? {}) as Obj;
    const conditions = ((status['conditions'] as Obj[] | undefined) ?? []).filter((c) => c['type'] !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: metaTime(ctx.now()) });
    status['conditions'] = conditions;
    pod['status'] = status;
    return pod;
  });
  reply.code(201);
  return successStatus({});
}

async function handleSubresource(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string | undefined,
  info: RequestInfo,
  req: FastifyRequest,
  reply: FastifyReply,
  neg: Negotiated,
): Promise<unknown> {
  const q = (req.query ?? {}) as Query;
  const name = info.name!;
  const sub = info.subresource!;
  const reg = ctx.registry;
  const strategy = reg.strategy(rt);
  if (sub === 'status' && strategy.statusSubresource) {
    switch (info.verb) {
      case 'get':
        return render(ctx, rt, neg, await reg.get(rt, ns, name));
      case 'update': {
        const r = await reg.updateStatus(rt, ns, name, req.body, writeOptions(q, 'UpdateOptions'));
        warn(reply, r.warnings);
        return r.object;
      }
      case 'patch': {
        const r = await patch(ctx, rt, ns, name, req, q, true);
        warn(reply, r.warnings);
        return r.object;
      }
      default:
        throw errors.methodNotAllowed();
    }
  }
  if (rt.resource === 'pods' && sub === 'binding') {
    if (info.verb !== 'create') throw errors.methodNotAllowed();
    return bindPod(ctx, rt, ns!, name, req, reply);
  }
  if (rt.resource === 'pods' && sub === 'eviction') {
    if (info.verb !== 'create') throw errors.methodNotAllowed();
    const body = (req.body ?? {}) as Obj;
    if (body['kind'] !== undefined && body['kind'] !== 'Eviction') throw errors.badRequest(`${String(body['kind'])} is not an Eviction`);
    const em = (body['metadata'] ?? {}) as Obj;
    if (em['name'] !== undefined && em['name'] !== name) {
      throw errors.badRequest(`name in URL does not match name in Eviction object`);
    }
    await reg.delete(rt, ns, name, parseDeleteOptions(body['deleteOptions'] ?? undefined, q));
    reply.code(201);
    return successStatus({});
  }
  if (rt.resource === 'pods' && sub === 'log') {
    if (info.verb !== 'get') throw errors.methodNotAllowed();
    return serveLog(ctx, rt, ns!, name, q, req, reply);
  }
  if (rt.resource === 'pods' && sub === 'exec') {
    if (info.verb !== 'get' && info.verb !== 'create') throw errors.methodNotAllowed();
    return serveExec(ctx, rt, ns!, name, q, req, reply);
  }
  if (rt.resource === 'pods' && sub === 'attach') {
    throw errors.methodNotAllowed(
      'pods/attach is not supported by this API server: the kubelet runs commands through ExecSync and cannot attach to a running process; use kubectl logs, or kubectl exec for a non-interactive command',
    );
  }
  if (rt.resource === 'pods' && sub === 'portforward') {
    throw errors.methodNotAllowed('pods/portforward is not supported by this API server: reach the pod at its pod IP or through a Service');
  }
  if ((rt.resource === 'deployments' || rt.resource === 'replicasets') && sub === 'scale') {
    const h = scaleHandlers(ctx, rt);
    switch (info.verb) {
      case 'get':
        return h.get(ns!, name);
      case 'update':
        return h.update(ns!, name, req.body, dryRun(q));
      case 'patch': {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        return h.patch(ns!, name, contentType, req.body, dryRun(q));
      }
      default:
        throw errors.methodNotAllowed();
    }
  }
  if (rt.resource === 'namespaces' && sub === 'finalize') {
    if (info.verb !== 'update') throw errors.methodNotAllowed();
    const body = (req.body ?? {}) as Obj;
    const finalizers = ((body['spec'] as Obj | undefined)?.['finalizers'] ?? []) as unknown;
    if (!Array.isArray(finalizers) || finalizers.some((f) => typeof f !== 'string')) {
      throw errors.badRequest('spec.finalizers must be a list of strings');
    }
    const r = await reg.mutateRaw(
      rt,
      undefined,
      name,
      (current) => {
        const spec = ((current['spec'] as Obj | undefined) ?? {}) as Obj;
        spec['finalizers'] = finalizers;
        current['spec'] = spec;
        return current;
      },
      { dryRun: dryRun(q) },
    );
    return r.object;
  }
  throw errors.notFoundPath();
}
