/**
 * Store keys in etcd's layout: `/registry/<resource>/<namespace>/<name>` for
 * namespaced resources, `/registry/<resource>/<name>` for cluster-scoped ones.
 * Prefixes end in `/` so `default` never matches `default-2`.
 */
export const REGISTRY_PREFIX = '/registry/';

export function objectKey(resource: string, namespace: string | undefined, name: string): string {
  return namespace ? `${REGISTRY_PREFIX}${resource}/${namespace}/${name}` : `${REGISTRY_PREFIX}${resource}/${name}`;
}

/** All objects of a resource, or those of one namespace. */
export function listPrefix(resource: string, namespace?: string): string {
  return namespace ? `${REGISTRY_PREFIX}${resource}/${namespace}/` : `${REGISTRY_PREFIX}${resource}/`;
}
