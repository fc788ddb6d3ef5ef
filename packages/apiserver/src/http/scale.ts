/**
 * The `scale` subresource of Deployments and ReplicaSets: an
 * autoscaling/v1 Scale view of `spec.replicas`, `status.replicas` and the
 * selector, used by `kubectl scale` and the HorizontalPodAutoscaler.
 */
import type { ResourceType } from '@mk8s/api';
import { selectorFromLabelSelector } from '@mk8s/api';
import type { Obj } from '../cache/watch-cache.js';
import { errors } from '../errors.js';
import { applyPatch } from '../patch/index.js';
import { PatchError } from '../patch/errors.js';
import type { ServerContext } from './context.js';
import { dryRun } from './query.js';
import type { SubresourceDefinition } from '../resources/definition.js';

function toScale(obj: Obj): Obj {
  const m = obj['metadata'] as Obj;
  const spec = (obj['spec'] ?? {}) as Obj;
  const status = (obj['status'] ?? {}) as Obj;
  const selector = selectorFromLabelSelector(spec['selector'] as Parameters<typeof selectorFromLabelSelector>[0]);
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
    spec: { replicas: spec['replicas'] ?? 0 },
    status: { replicas: status['replicas'] ?? 0, selector: selector.toString() },
  };
}

export function scaleHandlers(ctx: ServerContext, rt: ResourceType) {
  const target = (name: string) => ({ qualifiedResource: rt.group ? `${rt.resource}.${rt.group}` : rt.resource, group: rt.group, kind: 'Scale', name });

  async function setReplicas(ns: string, name: string, scale: unknown, dryRun: boolean): Promise<Obj> {
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
        (current['spec'] as Obj)['replicas'] = n;
        return current;
      },
      { dryRun },
    );
    return toScale(r.object);
  }

  return {
    async get(ns: string, name: string): Promise<Obj> {
      return toScale(await ctx.registry.get(rt, ns, name));
    },
    update(ns: string, name: string, body: unknown, dryRun: boolean): Promise<Obj> {
      return setReplicas(ns, name, body, dryRun);
    },
    async patch(ns: string, name: string, contentType: string, body: unknown, dryRun: boolean): Promise<Obj> {
      const current = toScale(await ctx.registry.get(rt, ns, name));
      let patched: unknown;
      try {
        patched = applyPatch(contentType, current, body, undefined);
      } catch (err) {
        if (err instanceof PatchError) {
          if (err.code === 415)
            throw errors.unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
          throw errors.badRequest(err.message);
        }
        throw err;
      }
      return setReplicas(ns, name, patched, dryRun);
    },
  };
}

/** `<resource>/scale` as a resource definition's subresource (Deployments, ReplicaSets). */
export const scaleSubresource: SubresourceDefinition = {
  kind: 'Scale',
  verbs: ['get', 'patch', 'update'],
  group: 'autoscaling',
  version: 'v1',
  serve({ ctx, definition, namespace, name, info, req, query }) {
    const h = scaleHandlers(ctx, definition.type);
    if (info.verb === 'get') return h.get(namespace!, name);
    if (info.verb === 'update') return h.update(namespace!, name, req.body, dryRun(query));
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    return h.patch(namespace!, name, contentType, req.body, dryRun(query));
  },
};
