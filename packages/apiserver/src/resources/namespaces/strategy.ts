/**
 * What is special about storing a Namespace: it starts Active, only the
 * `finalize` subresource changes spec.finalizers, a delete turns it
 * Terminating until the namespace controller has emptied it and cleared
 * spec.finalizers, and the system namespaces are never deleted.
 */
import type { Obj, Strategy } from '../../registry/strategy.js';

/**
 * Namespaces no request may delete (Kubernetes' NamespaceLifecycle admission
 * protects default, kube-system and kube-public; mk8s adds kube-node-lease,
 * because node heartbeats stop without it and nothing would recreate it).
 */
export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

function specFinalizers(obj: Obj): unknown[] {
  return ((obj['spec'] as Obj | undefined)?.['finalizers'] as unknown[] | undefined) ?? [];
}

export const namespaceStrategy: Partial<Strategy> = {
  statusSubresource: true,
  prepareForCreate(obj) {
    obj['status'] = { phase: 'Active' };
  },
  // A plain update or patch that dropped spec.finalizers would let a
  // Terminating namespace vanish before the namespace controller emptied it.
  prepareForUpdate(obj, old) {
    const finalizers = (old['spec'] as Obj | undefined)?.['finalizers'];
    const spec = { ...((obj['spec'] as Obj | undefined) ?? {}) };
    if (finalizers === undefined) delete spec['finalizers'];
    else spec['finalizers'] = structuredClone(finalizers);
    if (Object.keys(spec).length > 0 || obj['spec'] !== undefined) obj['spec'] = spec;
  },
  undeletable: (name) => (IMMORTAL_NAMESPACES.has(name) ? 'this namespace may not be deleted' : undefined),
  finalizing: (obj) => specFinalizers(obj).length > 0,
  prepareForDelete(obj) {
    obj['status'] = { ...((obj['status'] as Obj | undefined) ?? {}), phase: 'Terminating' };
  },
};
