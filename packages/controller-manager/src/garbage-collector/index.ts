/**
 * Garbage collection: cascading deletion by ownerReferences (background,
 * foreground, orphan) across the monitored resources.
 *
 * @example
 * ```ts
 * const gc = new GarbageCollector({ client, factory });
 * factory.start(signal);
 * await gc.run(signal);
 * ```
 */
export { DEFAULT_GC_RESOURCES, GarbageCollector, type GarbageCollectorOptions } from './garbage-collector.js';
export { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, decide, ownerState, type Action, type OwnerState } from './decide.js';
export { OWNER_INDEX, OwnerGraph, UID_INDEX, graphIndexers, refersTo, type GraphNode, type GraphSource } from './owner-graph.js';
