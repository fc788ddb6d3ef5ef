/** Reads plugins share: objects of one namespace from the watch cache. */
import type { Obj } from '../cache/watch-cache.js';
import { listPrefix, objectKey } from '../registry/keys.js';
import type { AdmissionContext } from './types.js';

/**
 * The objects of `resource` in `namespace`, from the watch cache. An empty
 * answer is confirmed after the cache has caught up with the store, so an
 * object created just before (a quota, a limit range) is never missed, as
 * Kubernetes' admission plugins confirm an empty lister with a live lookup.
 * Cached objects are shared: clone before changing.
 */
export async function namespaceObjects(ctx: AdmissionContext, resource: string, namespace: string): Promise<Obj[]> {
  const prefix = listPrefix(resource, namespace);
  let items = ctx.cache.list(resource, prefix);
  if (items.length === 0) {
    await ctx.cache.fresh();
    items = ctx.cache.list(resource, prefix);
  }
  return items;
}

/** The Namespace object, from the watch cache (caught up first on a miss). */
export async function namespaceObject(ctx: AdmissionContext, namespace: string): Promise<Obj | undefined> {
  const key = objectKey('namespaces', undefined, namespace);
  let ns = ctx.cache.get('namespaces', key);
  if (!ns) {
    await ctx.cache.fresh();
    ns = ctx.cache.get('namespaces', key);
  }
  return ns;
}

export function rec(v: unknown): Obj {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

export function objs(v: unknown): Obj[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object' && !Array.isArray(x)) as Obj[]) : [];
}

export function isPodCreate(attrs: { operation: string; resource: { resource: string; group: string }; subresource: string }): boolean {
  return attrs.operation === 'CREATE' && attrs.resource.resource === 'pods' && attrs.resource.group === '' && attrs.subresource === '';
}
