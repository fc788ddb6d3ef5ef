/**
 * Namespace deletion: a Terminating namespace is emptied, then finalized.
 *
 * @example
 * ```ts
 * const namespaces = new NamespaceController({ client, factory });
 * factory.start(signal);
 * await namespaces.run(signal);
 * ```
 */
export { NAMESPACE_FINALIZER, NamespaceController, type NamespaceControllerOptions } from './namespace-controller.js';
export { deletionConditions, mergeConditions, type DeletionReport } from './namespace-conditions.js';
