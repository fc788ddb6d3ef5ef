/**
 * Binding a pod to a node (`pods/binding`, and the `bindings` collection the
 * scheduler of old clients posts to): sets spec.nodeName once and the
 * PodScheduled condition, as Kubernetes' BindingREST does.
 */
import { metaTime, type ResourceType } from '@mk8s/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors, successStatus } from '../../errors.js';
import type { ServerContext } from '../../http/context.js';
import type { Obj } from '../definition.js';

export async function bindPod(ctx: ServerContext, pods: ResourceType, ns: string, name: string, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
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
  return successStatus(undefined, 201);
}
