/**
 * The `scale` subresource: an autoscaling/v1 Scale view of an object's
 * desired and current replicas and its selector, used by `kubectl scale`
 * and the HorizontalPodAutoscaler. Deployments and ReplicaSets keep them at
 * `spec.replicas`, `status.replicas` and `spec.selector`; a custom resource
 * names its paths in its CRD (`subresources.scale`). Get, update, patch
 * (JSON, merge, strategic merge) and server-side apply.
 */
import type { ResourceType } from '@mk8s/api';
import { selectorFromLabelSelector } from '@mk8s/api';
import type { Obj } from '../cache/watch-cache.js';
import { errors } from '../errors.js';
import { applyPatch } from '../patch/index.js';
import { PatchError } from '../patch/errors.js';
import type { ServerContext } from './context.js';
import { writeOptions } from './query.js';
import { APPLY_PATCH, parseApplyConfiguration } from './apply-body.js';
import type { ResourceRequest, SubresourceDefinition } from '../resources/definition.js';

/** Where an object keeps what its Scale shows. */
export interface ScalePaths {
  specReplicas: readonly string[];
  statusReplicas: readonly string[];
  /** The selector: a LabelSelector object (built-in kinds), or its string form (custom resources' `labelSelectorPath`). */
  selector?: { path: readonly string[]; serialized: boolean };
}

const BUILTIN_PATHS: ScalePaths = {
  specReplicas: ['spec', 'replicas'],
  statusReplicas: ['status', 'replicas'],
  selector: { path: ['spec', 'selector'], serialized: false },
};

function at(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Obj)[key];
  }
  return cur;
}

function setAt(obj: Obj, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Obj;
  }
  cur[path[path.length - 1]!] = value;
}

function selectorString(obj: Obj, paths: ScalePaths): string {
  if (!paths.selector) return '';
  const value = at(obj, paths.selector.path);
  if (paths.selector.serialized) return typeof value === 'string' ? value : '';
  return selectorFromLabelSelector(value as Parameters<typeof selectorFromLabelSelector>[0]).toString();
}

function toScale(obj: Obj, paths: ScalePaths): Obj {
  const m = obj['metadata'] as Obj;
  const status: Obj = { replicas: at(obj, paths.statusReplicas) ?? 0 };
  const selector = selectorString(obj, paths);
  if (selector || !paths.selector?.serialized) status['selector'] = selector;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m['name'],
      namespace: m['namespace'],
      uid: m['uid'],
      resourceVersion: m['resourceVersion'],
      creationTimestamp: m['creationTimestamp'],
    },
    spec: { replicas: at(obj, paths.specReplicas) ?? 0 },
    status,
  };
}

export function scaleHandlers(ctx: ServerContext, rt: ResourceType, paths: ScalePaths = BUILTIN_PATHS) {
  const target = (name: string) => ({ qualifiedResource: rt.group ? `${rt.resource}.${rt.group}` : rt.resource, group: rt.group, kind: 'Scale', name });

  async function setReplicas(ns: string, name: string, scale: unknown, dryRun: boolean, manager: string | undefined): Promise<Obj> {
    if (!scale || typeof scale !== 'object' || Array.isArray(scale)) throw errors.badRequest('the body of the request must be a Scale object');
    const s = scale as Obj;
    if (s['kind'] !== undefined && s['kind'] !== 'Scale') throw errors.badRequest(`${String(s['kind'])} is not a Scale`);
    const sm = (s['metadata'] ?? {}) as Obj;
    if (sm['name'] !== undefined && sm['name'] !== name) {
      throw errors.badRequest(`the name of the object (${String(sm['name'])}) does not match the name on the URL (${name})`);
    }
    const replicas = ((s['spec'] ?? {}) as Obj)['replicas'];
    if (replicas === undefined || replicas === null) {
      // An absent replicas means 0 in Scale, as in Kubernetes.
    } else if (!Number.isInteger(replicas)) {
      throw errors.badRequest(`Scale in version "v1" cannot be handled as a Scale: spec.replicas must be an integer`);
    }
    const n = (replicas ?? 0) as number;
    if (n < 0) {
      throw errors.invalid(target(name), [
        { type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${n}: must be greater than or equal to 0` },
      ]);
    }
    const r = await ctx.registry.modify(
      rt,
      ns,
      name,
      (current) => {
        const cm = current['metadata'] as Obj;
        if (sm['resourceVersion'] && sm['resourceVersion'] !== cm['resourceVersion']) {
          throw errors.conflict(ctx.registry.target(rt, name), 'the object has been modified; please apply your changes to the latest version and try again');
        }
        delete cm['resourceVersion'];
        setAt(current, paths.specReplicas, n);
        return current;
      },
      // Credited to the writer at the scale subresource, as Kubernetes records `kubectl scale`.
      { dryRun, manager, subresource: 'scale' },
    );
    return toScale(r.object, paths);
  }

  /**
   * A server-side apply of a Scale: its `spec.replicas` is applied to the
   * object's replicas field, owned by `manager` at the scale subresource
   * (Kubernetes' scale handler converts managed fields the same way), so it
   * conflicts with another manager of the replicas unless forced.
   */
  async function applyScale(ns: string, name: string, body: unknown, opts: { dryRun: boolean; manager: string; force: boolean }): Promise<Obj> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request must be a Scale object');
    const s = body as Obj;
    if (s['apiVersion'] !== 'autoscaling/v1') {
      throw errors.badRequest(
        `Incorrect version specified in apply patch. Specified patch version: ${String(s['apiVersion'] ?? '')}, expected: autoscaling/v1`,
      );
    }
    if (s['kind'] !== 'Scale')
      throw errors.badRequest(`the kind in the apply configuration (${String(s['kind'] ?? '')}) does not match the expected kind (Scale)`);
    const sm = (s['metadata'] ?? {}) as Obj;
    if (sm['managedFields'] !== undefined) throw errors.badRequest('metadata.managedFields must be nil');
    if (sm['name'] !== name) throw errors.badRequest(`the name of the object (${String(sm['name'] ?? '')}) does not match the name on the URL (${name})`);
    const config: Obj = { apiVersion: rt.apiVersion, kind: rt.kind, metadata: rt.namespaced ? { name, namespace: ns } : { name } };
    const replicas = ((s['spec'] ?? {}) as Obj)['replicas'];
    if (replicas !== undefined && replicas !== null) {
      if (!Number.isInteger(replicas)) throw errors.badRequest(`Scale in version "v1" cannot be handled as a Scale: spec.replicas must be an integer`);
      if ((replicas as number) < 0) {
        throw errors.invalid(target(name), [
          { type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${String(replicas)}: must be greater than or equal to 0` },
        ]);
      }
      setAt(config, paths.specReplicas, replicas);
    }
    const r = await ctx.registry.apply(rt, ns, name, config, { ...opts, subresource: 'scale' });
    return toScale(r.object, paths);
  }

  return {
    async get(ns: string, name: string): Promise<Obj> {
      return toScale(await ctx.registry.get(rt, ns, name), paths);
    },
    apply: applyScale,
    update(ns: string, name: string, body: unknown, dryRun: boolean, manager?: string): Promise<Obj> {
      return setReplicas(ns, name, body, dryRun, manager);
    },
    async patch(ns: string, name: string, contentType: string, body: unknown, dryRun: boolean, manager?: string): Promise<Obj> {
      const current = toScale(await ctx.registry.get(rt, ns, name), paths);
      let patched: unknown;
      try {
        patched = applyPatch(contentType, current, body, undefined);
      } catch (err) {
        if (err instanceof PatchError) {
          if (err.code === 415)
            throw errors.unsupportedMediaType([
              'application/json-patch+json',
              'application/merge-patch+json',
              'application/strategic-merge-patch+json',
              APPLY_PATCH,
            ]);
          throw errors.badRequest(err.message);
        }
        throw err;
      }
      return setReplicas(ns, name, patched, dryRun, manager);
    },
  };
}

/** `<resource>/scale` as a resource definition's subresource, with the paths its objects keep replicas and selector at. */
export function scaleSubresourceAt(paths: ScalePaths): SubresourceDefinition {
  return {
    kind: 'Scale',
    verbs: ['get', 'patch', 'update'],
    group: 'autoscaling',
    version: 'v1',
    serve: (r) => serveScale(r, paths),
  };
}

/** Deployments' and ReplicaSets' scale subresource. */
export const scaleSubresource: SubresourceDefinition = scaleSubresourceAt(BUILTIN_PATHS);

function serveScale({ ctx, definition, namespace, name, info, req, query }: ResourceRequest, paths: ScalePaths): Promise<Obj> {
  const h = scaleHandlers(ctx, definition.type, paths);
  if (info.verb === 'get') return h.get(namespace!, name);
  const ua = req.headers['user-agent'];
  if (info.verb === 'update') {
    const opts = writeOptions(query, 'UpdateOptions', ua);
    return h.update(namespace!, name, req.body, opts.dryRun, opts.manager);
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const apply = contentType === APPLY_PATCH;
  const opts = writeOptions(query, 'PatchOptions', ua, apply);
  if (apply) return h.apply(namespace!, name, parseApplyConfiguration(req.body), { dryRun: opts.dryRun, manager: opts.manager!, force: opts.force });
  return h.patch(namespace!, name, contentType, req.body, opts.dryRun, opts.manager);
}
