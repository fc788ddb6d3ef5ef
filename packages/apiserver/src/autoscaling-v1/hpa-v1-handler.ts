/**
 * `/apis/autoscaling/v1/.../horizontalpodautoscalers`: a converted view over
 * the stored autoscaling/v2 objects (see convert.ts), as Kubernetes serves
 * several versions of one resource. `kubectl autoscale` (1.32) creates HPAs
 * here. Served: get, list (selectors, Table output), create, update, patch,
 * delete, and the `status` subresource (get, update, patch); watch is a 405
 * (use autoscaling/v2, the preferred version, to watch).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { resourceFor } from '@mk8s/api';
import type { Obj } from '../cache/watch-cache.js';
import { errors, StatusError } from '../errors.js';
import { negotiate } from '../http/accept.js';
import type { ServerContext } from '../http/context.js';
import { parseDeleteOptions } from '../http/delete-options.js';
import { writeOptions, type Query } from '../http/query.js';
import type { RequestInfo } from '../http/request-info.js';
import { listObjects, patchOrStatus, selectorFilter, warn } from '../http/resource-handler.js';
import { applyPatch } from '../patch/index.js';
import { toTable } from '../tables/index.js';
import { hpaV1ToV2, hpaV2ToV1 } from './convert.js';

export const HPA_V1_RESOURCE_LIST = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'autoscaling/v1',
  resources: [
    {
      name: 'horizontalpodautoscalers',
      singularName: 'horizontalpodautoscaler',
      namespaced: true,
      kind: 'HorizontalPodAutoscaler',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update'],
      shortNames: ['hpa'],
      categories: ['all'],
    },
    { name: 'horizontalpodautoscalers/status', singularName: '', namespaced: true, kind: 'HorizontalPodAutoscaler', verbs: ['get', 'patch', 'update'] },
  ],
};

/** Tables print from the v2 form; whole objects embedded in rows are shown as v1. */
function v1Table<T>(table: T): T {
  for (const row of (table as { rows?: Array<{ object?: Obj }> }).rows ?? []) {
    if (row.object && row.object['kind'] === 'HorizontalPodAutoscaler') row.object = hpaV2ToV1(row.object);
  }
  return table;
}

export function isHpaV1(info: RequestInfo): boolean {
  return info.group === 'autoscaling' && info.version === 'v1' && info.resource === 'horizontalpodautoscalers';
}

function checkBody(body: unknown): Obj {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request must be a HorizontalPodAutoscaler object');
  const b = body as Obj;
  if (b['apiVersion'] !== undefined && b['apiVersion'] !== 'autoscaling/v1') {
    throw errors.badRequest(`the API version in the data (${String(b['apiVersion'])}) does not match the expected API version (autoscaling/v1)`);
  }
  if (b['kind'] !== undefined && b['kind'] !== 'HorizontalPodAutoscaler') {
    throw errors.badRequest(`the kind in the data (${String(b['kind'])}) does not match the expected kind (HorizontalPodAutoscaler)`);
  }
  return hpaV1ToV2(b);
}

export async function serveHpaV1(ctx: ServerContext, info: RequestInfo, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const rt = resourceFor('autoscaling', 'v2', 'horizontalpodautoscalers')!;
  const ns = info.namespace;
  if (info.name !== undefined && !ns) throw errors.notFoundPath();
  const q = (req.query ?? {}) as Query;
  const neg = negotiate(req.headers.accept, q['includeObject']);
  // The autoscaling/v1 view serves JSON and Tables only.
  if (!neg || neg.metadataOnly)
    throw errors.notAcceptable('only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io');
  const reg = ctx.registry;
  const opts = writeOptions(q, info.verb === 'create' ? 'CreateOptions' : info.verb === 'patch' ? 'PatchOptions' : 'UpdateOptions');
  const sub = info.subresource;
  if (sub !== undefined && sub !== 'status') throw errors.notFoundPath();
  // A collection takes no PUT or PATCH (as in the main handler).
  if ((info.verb === 'update' || info.verb === 'patch') && info.name === undefined) throw errors.methodNotAllowed();

  const patchWith = async (status: boolean) => {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const r = await reg.modify(
      rt,
      ns,
      info.name!,
      (current) => patchOrStatus(ctx, rt, info.name!, () => hpaV1ToV2(applyPatch(contentType, hpaV2ToV1(current), req.body, rt.schema) as Obj)),
      { ...opts, status },
    );
    warn(reply, r.warnings);
    return hpaV2ToV1(r.object);
  };

  if (sub === 'status') {
    switch (info.verb) {
      case 'get':
        return hpaV2ToV1(await reg.get(rt, ns, info.name!));
      case 'update': {
        const r = await reg.updateStatus(rt, ns, info.name!, checkBody(req.body), opts);
        warn(reply, r.warnings);
        return hpaV2ToV1(r.object);
      }
      case 'patch':
        return patchWith(true);
      default:
        throw errors.methodNotAllowed();
    }
  }

  switch (info.verb) {
    case 'list': {
      const result = await listObjects(ctx, rt, ns, q);
      const metadata: Obj = { resourceVersion: result.resourceVersion, continue: result.continue };
      if (neg.table) {
        return v1Table(
          toTable(ctx.registry.definition(rt).printer, result.items, {
            now: ctx.now(),
            includeObject: neg.includeObject,
            resourceVersion: result.resourceVersion,
            continue: result.continue,
          }),
        );
      }
      return { kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v1', metadata, items: result.items.map(hpaV2ToV1) };
    }
    case 'get': {
      const obj = await reg.get(rt, ns, info.name!);
      if (neg.table) return v1Table(toTable(ctx.registry.definition(rt).printer, [obj], { now: ctx.now(), includeObject: neg.includeObject }));
      return hpaV2ToV1(obj);
    }
    case 'create': {
      if (info.name !== undefined) throw errors.methodNotAllowed();
      const r = await reg.create(rt, ns, checkBody(req.body), opts);
      warn(reply, r.warnings);
      reply.code(201);
      return hpaV2ToV1(r.object);
    }
    case 'update': {
      const r = await reg.update(rt, ns, info.name!, checkBody(req.body), opts);
      warn(reply, r.warnings);
      reply.code(r.created ? 201 : 200);
      return hpaV2ToV1(r.object);
    }
    case 'patch':
      return patchWith(false);
    case 'delete': {
      const r = await reg.delete(rt, ns, info.name!, parseDeleteOptions(req.body, q));
      return hpaV2ToV1(r.object);
    }
    case 'deletecollection': {
      const filter = selectorFilter(ctx, rt, q);
      const deleteOptions = parseDeleteOptions(req.body, q);
      const { items, resourceVersion } = await reg.list(rt, ns, { filter });
      const out: Obj[] = [];
      for (const item of items) {
        const m = item['metadata'] as Obj;
        try {
          out.push(hpaV2ToV1((await reg.delete(rt, String(m['namespace']), String(m['name']), deleteOptions)).object));
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
      return { kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v1', metadata: { resourceVersion }, items: out };
    }
    case 'watch':
      throw errors.methodNotAllowed('watch of autoscaling/v1 horizontalpodautoscalers is not served: watch autoscaling/v2');
  }
}
