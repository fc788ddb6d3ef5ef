/**
 * What the garbage collector does with one dependent, given the state of each
 * of its owners (Kubernetes' `attemptToDeleteItem`). Pure.
 *
 * - solid: the owner exists and is not being deleted in the foreground;
 * - waiting: the owner exists, being deleted with `foregroundDeletion`, and
 *   waits for its dependents;
 * - dangling: the owner is gone (confirmed live, never from the cache alone).
 *
 * A dependent with a solid owner is kept: references to dangling owners are
 * dropped and those to waiting owners stop blocking them. Without a solid
 * owner it is deleted: in the foreground when a waiting owner waits for it
 * and it has dependents of its own (so the wait covers the whole tree),
 * otherwise as its own finalizers ask (orphan / foreground) or in the
 * background.
 */
import type { KubeObject } from '@mk8s/client';
import type { OwnerReference } from './owner-graph.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export type OwnerState = 'solid' | 'waiting' | 'dangling';

export type Action =
  { kind: 'none' } | { kind: 'patch'; ownerReferences: OwnerReference[] } | { kind: 'delete'; propagationPolicy: 'Orphan' | 'Foreground' | 'Background' };

export function decide(obj: KubeObject, states: ReadonlyMap<string, OwnerState>, hasDependents: boolean): Action {
  const refs = obj.metadata?.ownerReferences ?? [];
  if (refs.length === 0) return { kind: 'none' };
  const state = (r: OwnerReference): OwnerState => states.get(r.uid) ?? 'solid';
  const solid = refs.filter((r) => state(r) === 'solid');
  const waiting = refs.filter((r) => state(r) === 'waiting');
  if (solid.length > 0) {
    const next = refs
      .filter((r) => state(r) !== 'dangling')
      .map((r) => (state(r) === 'waiting' && r.blockOwnerDeletion === true ? { ...r, blockOwnerDeletion: false } : r));
    const changed = next.length !== refs.length || next.some((r, i) => r !== refs[i]);
    return changed ? { kind: 'patch', ownerReferences: next } : { kind: 'none' };
  }
  if (waiting.length > 0 && hasDependents) return { kind: 'delete', propagationPolicy: 'Foreground' };
  const finalizers = obj.metadata?.finalizers ?? [];
  if (finalizers.includes(FINALIZER_ORPHAN)) return { kind: 'delete', propagationPolicy: 'Orphan' };
  if (finalizers.includes(FINALIZER_FOREGROUND)) return { kind: 'delete', propagationPolicy: 'Foreground' };
  return { kind: 'delete', propagationPolicy: 'Background' };
}

/** An owner's state from the object found where its reference points (undefined: gone). */
export function ownerState(owner: KubeObject | undefined): OwnerState {
  if (!owner) return 'dangling';
  const md = owner.metadata;
  return md?.deletionTimestamp && (md.finalizers ?? []).includes(FINALIZER_FOREGROUND) ? 'waiting' : 'solid';
}
