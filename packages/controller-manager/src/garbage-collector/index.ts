/**
 * Garbage collection: cascading deletion by ownerReferences (background,
 * foreground, orphan) across the resources discovery lists, custom ones included.
 *
 * @example
 * ```ts
 * const gc = new GarbageCollector({ client, factory });
 * factory.start(signal);
 * await gc.run(signal);
 * ```
 */
export {
  DEFAULT_GC_DISCOVERY_RESYNC_MS,
  DEFAULT_GC_IGNORED_RESOURCES,
  GarbageCollector,
  MONITOR_SYNC_TIMEOUT_MS,
  type GarbageCollectorOptions,
} from './garbage-collector.js';
export { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, decide, ownerState, type Action, type OwnerState } from './decide.js';
export { OWNER_INDEX, OwnerGraph, UID_INDEX, graphIndexers, refersTo, type GraphNode, type GraphResource, type GraphSource } from './owner-graph.js';
