/**
 * Glue between the REST client and the informers: a `ListerWatcherFactory`
 * over a Clientset, so `new SharedInformerFactory(listerWatchersFor(client))`
 * gives informers for any resource of @mk8s/api by its plural name
 * (`pods`, `deployments`, or `deployments.apps` to be explicit).
 */
import { RESOURCE_TYPES } from '@mk8s/api';
import type { InformerScope, ListerWatcherFactory } from './informers/informer-factory.js';
import type { Clientset } from './rest/clientset.js';
import type { KubeObject, ListerWatcher, ListOptions, WatchOptions } from './types.js';

export function listerWatchersFor(client: Clientset): ListerWatcherFactory {
  return (resource: string, scope: InformerScope): ListerWatcher<KubeObject> => {
    const [plural, group] = resource.includes('.')
      ? [resource.slice(0, resource.indexOf('.')), resource.slice(resource.indexOf('.') + 1)]
      : [resource, undefined];
    const rt = RESOURCE_TYPES.find((r) => r.resource === plural && (group === undefined || r.group === group));
    if (!rt) throw new Error(`no resource named "${resource}" in @mk8s/api`);
    let rc = client.resource<KubeObject>(rt.group, rt.version, rt.resource, { namespaced: rt.namespaced });
    if (scope.namespace && rt.namespaced) rc = rc.inNamespace(scope.namespace);
    // Left out rather than undefined (they are spread over the caller's options); '' selects everything.
    const selectors: ListOptions = {
      ...(scope.labelSelector ? { labelSelector: scope.labelSelector } : {}),
      ...(scope.fieldSelector ? { fieldSelector: scope.fieldSelector } : {}),
    };
    return {
      list: (opts: ListOptions) => rc.list({ ...opts, ...selectors }),
      watch: (opts: WatchOptions) => rc.watch({ ...opts, ...selectors }),
    };
  };
}
