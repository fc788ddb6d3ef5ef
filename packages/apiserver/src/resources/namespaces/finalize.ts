/** `namespaces/{name}/finalize`: the only write that changes spec.finalizers (the namespace controller's last step). */
import { errors } from '../../errors.js';
import { dryRun } from '../../http/query.js';
import type { Obj, SubresourceDefinition } from '../definition.js';

export const finalizeSubresource: SubresourceDefinition = {
  kind: 'Namespace',
  verbs: ['update'],
  async serve({ ctx, definition, name, req, query }) {
    const body = (req.body ?? {}) as Obj;
    const finalizers = ((body['spec'] as Obj | undefined)?.['finalizers'] ?? []) as unknown;
    if (!Array.isArray(finalizers) || finalizers.some((f) => typeof f !== 'string')) {
      throw errors.badRequest('spec.finalizers must be a list of strings');
    }
    const r = await ctx.registry.mutateRaw(
      definition.type,
      undefined,
      name,
      (current) => {
        const spec = ((current['spec'] as Obj | undefined) ?? {}) as Obj;
        spec['finalizers'] = finalizers;
        current['spec'] = spec;
        return current;
      },
      { dryRun: dryRun(query, 'UpdateOptions') },
    );
    return r.object;
  },
};
