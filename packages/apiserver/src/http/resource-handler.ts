/**
 * Serves `/api/v1/...` and `/apis/{group}/{version}/...` resource requests:
 * maps the parsed request onto the registry, the watch cache and the
 * subresources, and shapes replies (objects, lists, tables, watch streams).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage, type ResourceType } from '@mk8s/api';
import { parseFieldSelector, parseLabelSelector, unsupportedFieldLabels } from '@mk8s/api';
import { errors, StatusError } from '../errors.js';
import type { Obj } from '../cache/watch-cache.js';
import { served, type ListResult, type WriteOptions } from '../registry/registry.js';
import { applyPatch } from '../patch/index.js';
import { PatchError } from '../patch/errors.js';
import { toTable } from '../tables/index.js';
import { ACCEPTED_MEDIA_TYPES, negotiate, partialObject, type Negotiated } from './accept.js';
import { str, writeOptions, type Query } from './query.js';
import type { RequestInfo } from './request-info.js';
import type { ServerContext } from './context.js';
import { serveWatch } from './watch.js';
import { parseDeleteOptions } from './delete-options.js';
import { listOptions } from './list-options.js';
import { warningHeaderValues } from './warning-header.js';
import { APPLY_PATCH, parseApplyConfiguration } from './apply-body.js';
import { auditAnnotations } from '../audit/audit-log.js';
import { fieldLabelsOf, selectableFields, type ResourceRequest } from '../resources/definition.js';
import { bindPod } from '../resources/pods/binding.js';

export type Filter = (obj: Obj) => boolean;

/** Builds the object filter for label and field selectors (the fields `rt`'s definition has); bad selectors are 400s. */
export function selectorFilter(ctx: ServerContext, rt: ResourceType, q: Query): Filter {
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
    const definition = ctx.registry.definition(rt);
    const unsupported = unsupportedFieldLabels(fieldLabelsOf(definition), sel);
    if (unsupported.length > 0) throw errors.badRequest(`field label not supported: ${unsupported[0]}`);
    // A version with a conversion selects on its own form of the object.
    fieldMatch = definition.conversion
      ? (o) => sel.matches(selectableFields(definition, served(definition, o)))
      : (o) => sel.matches(selectableFields(definition, o));
  }
  if (labelMatch && fieldMatch) return (o) => labelMatch(o) && fieldMatch(o);
  return labelMatch ?? fieldMatch ?? (() => true);
}

/** Adds `Warning` headers; called after a write commits, so it must not fail (see warning-header.ts). */
export function warn(reply: FastifyReply, warnings: readonly string[]): void {
  const values = warningHeaderValues(warnings);
  if (values.length > 0) reply.header('Warning', values);
}

/**
 * Lists and objects, as JSON, as a Table, or as metadata only, as the client
 * asked. Metadata only must match what is answered (a list for a list): a
 * PartialObjectMetadata for a list is a 406, as Kubernetes answers.
 */
function render(ctx: ServerContext, rt: ResourceType, neg: Negotiated, body: Obj, list?: { items: Obj[]; resourceVersion: string; continue?: string }): Obj {
  const partial = neg.metadataOnly;
  if (partial) {
    const wanted = list ? 'PartialObjectMetadataList' : 'PartialObjectMetadata';
    if (partial.kind !== wanted) throw errors.notAcceptable(`only the following media types are accepted: application/json;as=${wanted};g=meta.k8s.io;v=v1`);
    if (!list) return partialObject(body, partial.apiVersion);
    return { kind: wanted, apiVersion: partial.apiVersion, metadata: body['metadata'], items: list.items.map((o) => partialObject(o, partial.apiVersion)) };
  }
  if (!neg.table) return body;
  const objects = list ? list.items : [body];
  return toTable(ctx.registry.definition(rt).printer, objects, {
    now: ctx.now(),
    includeObject: neg.includeObject,
    resourceVersion: list?.resourceVersion,
    continue: list?.continue,
  }) as unknown as Obj;
}

/** A list request: selectors and ListOptions from the query, validated, then the registry's list. */
export async function listObjects(ctx: ServerContext, rt: ResourceType, ns: string | undefined, q: Query): Promise<ListResult> {
  const filter = selectorFilter(ctx, rt, q);
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
  const definition = ctx.registry.catalog.lookup(info.group, info.version, info.resource ?? '');
  if (!definition) {
    // Kubernetes' bindings collection: POST /api/v1/namespaces/{ns}/bindings with the pod's name in the Binding.
    if (info.group === '' && info.resource === 'bindings' && info.verb === 'create' && info.namespace) {
      const pods = ctx.registry.catalog.lookup('', 'v1', 'pods')!;
      const name = String(((req.body as Obj | undefined)?.['metadata'] as Obj | undefined)?.['name'] ?? '');
      return bindPod(ctx, pods.type, info.namespace, name, req, reply);
    }
    throw errors.notFoundPath();
  }
  const rt = definition.type;
  if (!rt.namespaced && info.namespace !== undefined) throw errors.notFoundPath();
  const ns = rt.namespaced ? info.namespace : undefined;
  if (rt.namespaced && info.name !== undefined && !ns) throw errors.notFoundPath();
  const q = (req.query ?? {}) as Query;
  const neg = negotiate(req.headers.accept, q['includeObject']);
  if (!neg) throw errors.notAcceptable(`only the following media types are accepted: ${ACCEPTED_MEDIA_TYPES}`);
  const request: ResourceRequest = { ctx, definition, namespace: ns, name: info.name ?? '', info, req, reply, query: q, negotiated: neg };

  if (info.subresource !== undefined) return handleSubresource(request);
  if (definition.verbs) {
    // A resource without storage (the self reviews) serves only the verbs its definition answers.
    const serve = info.name === undefined && info.verb === 'create' ? definition.verbs.create : undefined;
    if (!serve) throw errors.methodNotAllowed();
    return serve(request);
  }

  const reg = ctx.registry;
  switch (info.verb) {
    case 'list': {
      const result = await listObjects(ctx, rt, ns, q);
      const metadata: Obj = { resourceVersion: result.resourceVersion };
      if (result.continue) metadata['continue'] = result.continue;
      const items = result.items.map((o) => served(definition, o));
      return render(ctx, rt, neg, { kind: rt.listKind, apiVersion: rt.apiVersion, metadata, items }, { ...result, items });
    }
    case 'watch': {
      const filter = selectorFilter(ctx, rt, q);
      const byName = info.name;
      return serveWatch(ctx, rt, ns, byName ? (o) => (o['metadata'] as Obj)['name'] === byName && filter(o) : filter, q, neg, req, reply);
    }
    case 'get':
      return render(ctx, rt, neg, served(definition, await reg.get(rt, ns, info.name!)));
    case 'create': {
      if (info.name !== undefined) throw errors.methodNotAllowed();
      const r = await reg.create(rt, ns, req.body, await guarded(ctx, rt, info, req, writeOptions(q, 'CreateOptions', req.headers['user-agent'])));
      warn(reply, r.warnings);
      reply.code(201);
      return render(ctx, rt, neg, served(definition, r.object));
    }
    case 'update': {
      if (info.name === undefined) throw errors.methodNotAllowed();
      const r = await reg.update(rt, ns, info.name, req.body, await guarded(ctx, rt, info, req, writeOptions(q, 'UpdateOptions', req.headers['user-agent'])));
      warn(reply, r.warnings);
      reply.code(r.created ? 201 : 200);
      return render(ctx, rt, neg, served(definition, r.object));
    }
    case 'patch': {
      if (info.name === undefined) throw errors.methodNotAllowed();
      const r = await patch(ctx, rt, ns, info.name, req, q, false, info);
      warn(reply, r.warnings);
      if (r.created) reply.code(201);
      return render(ctx, rt, neg, served(definition, r.object));
    }
    case 'delete': {
      const r = await reg.delete(rt, ns, info.name!, parseDeleteOptions(req.body, q));
      return render(ctx, rt, neg, served(definition, r.object));
    }
    case 'deletecollection': {
      if (!definition.deleteCollection) throw errors.methodNotAllowed();
      const filter = selectorFilter(ctx, rt, q);
      const opts = parseDeleteOptions(req.body, q);
      const { items, resourceVersion } = await reg.list(rt, ns, { filter });
      const out: Obj[] = [];
      for (const item of items) {
        const m = item['metadata'] as Obj;
        try {
          out.push(served(definition, (await reg.delete(rt, m['namespace'] as string | undefined, String(m['name']), opts)).object));
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
      return render(ctx, rt, neg, { kind: rt.listKind, apiVersion: rt.apiVersion, metadata: { resourceVersion }, items: out }, { items: out, resourceVersion });
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
  // Custom resources take no strategic merge patch: a 415, as Kubernetes answers.
  if (contentType === 'application/strategic-merge-patch+json' && rt.strategicMergePatch === false) {
    throw errors.unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json']);
  }
  const apply = contentType === APPLY_PATCH;
  const parsed = writeOptions(q, 'PatchOptions', req.headers['user-agent'], apply);
  // The check sees the patched object, as Kubernetes checks the result of the update.
  const opts = info ? await guarded(ctx, rt, info, req, parsed) : parsed;
  if (apply) return ctx.registry.apply(rt, ns, name, parseApplyConfiguration(req.body), { ...opts, manager: parsed.manager, force: parsed.force, status });
  const r = await ctx.registry.modify(rt, ns, name, (current) => patchOrStatus(ctx, rt, name, () => applyPatch(contentType, current, req.body, rt.schema)), {
    status,
    ...opts,
  });
  return { ...r, created: false };
}

/** `status` from the strategy, every other subresource from the definition. */
async function handleSubresource(r: ResourceRequest): Promise<unknown> {
  const { ctx, definition, namespace: ns, name, info, req, reply, query: q, negotiated: neg } = r;
  const rt = definition.type;
  const reg = ctx.registry;
  const sub = info.subresource!;
  if (sub === 'status' && definition.strategy.statusSubresource) {
    switch (info.verb) {
      case 'get':
        return render(ctx, rt, neg, served(definition, await reg.get(rt, ns, name)));
      case 'update': {
        const result = await reg.updateStatus(rt, ns, name, req.body, writeOptions(q, 'UpdateOptions', req.headers['user-agent']));
        warn(reply, result.warnings);
        return served(definition, result.object);
      }
      case 'patch': {
        const result = await patch(ctx, rt, ns, name, req, q, true);
        warn(reply, result.warnings);
        return served(definition, result.object);
      }
      default:
        throw errors.methodNotAllowed();
    }
  }
  const handler = Object.hasOwn(definition.subresources, sub) ? definition.subresources[sub] : undefined;
  if (!handler) throw errors.notFoundPath();
  if (!(handler.verbs as readonly string[]).includes(info.verb)) throw errors.methodNotAllowed();
  return handler.serve(r);
}
