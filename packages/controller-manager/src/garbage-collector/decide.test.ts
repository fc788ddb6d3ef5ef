import type { KubeObject } from '@mk8s/client';
import { describe, expect, it } from 'vitest';
import { decide, ownerState, type OwnerState } from './decide.js';

const ref = (uid: string, block = true) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, blockOwnerDeletion: block });
const obj = (refs: ReturnType<typeof ref>[], finalizers?: string[]): KubeObject => ({
  metadata: { name: 'd', uid: 'd', ownerReferences: refs, finalizers },
});
const states = (s: Record<string, OwnerState>) => new Map(Object.entries(s));

describe('decide', () => {
  it('keeps a dependent with a solid owner, dropping refs to dead owners and unblocking waiting ones', () => {
    expect(decide(obj([ref('a')]), states({ a: 'solid' }), false)).toEqual({ kind: 'none' });
    expect(decide(obj([ref('a'), ref('b')]), states({ a: 'solid', b: 'dangling' }), false)).toEqual({ kind: 'patch', ownerReferences: [ref('a')] });
    expect(decide(obj([ref('a'), ref('w')]), states({ a: 'solid', w: 'waiting' }), false)).toEqual({
      kind: 'patch',
      ownerReferences: [ref('a'), ref('w', false)],
    });
    expect(decide(obj([ref('a'), ref('w', false)]), states({ a: 'solid', w: 'waiting' }), false)).toEqual({ kind: 'none' });
  });

  it('deletes a dependent only when no owner is solid', () => {
    expect(decide(obj([ref('a'), ref('b')]), states({ a: 'dangling', b: 'dangling' }), false)).toEqual({ kind: 'delete', propagationPolicy: 'Background' });
    expect(decide(obj([ref('a')]), states({ a: 'dangling' }), false)).toEqual({ kind: 'delete', propagationPolicy: 'Background' });
    expect(decide(obj([ref('w')]), states({ w: 'waiting' }), true)).toEqual({ kind: 'delete', propagationPolicy: 'Foreground' });
    expect(decide(obj([ref('w')]), states({ w: 'waiting' }), false)).toEqual({ kind: 'delete', propagationPolicy: 'Background' });
    expect(decide(obj([ref('a')], ['orphan']), states({ a: 'dangling' }), true)).toEqual({ kind: 'delete', propagationPolicy: 'Orphan' });
  });

  it('treats owners it knows nothing about as solid, and objects without owners as nothing to do', () => {
    expect(decide(obj([ref('x')]), states({}), false)).toEqual({ kind: 'none' });
    expect(decide({ metadata: { name: 'free' } }, states({}), false)).toEqual({ kind: 'none' });
  });
});

describe('ownerState', () => {
  it('is waiting only for foreground deletion', () => {
    expect(ownerState(undefined)).toBe('dangling');
    expect(ownerState({ metadata: { name: 'o' } })).toBe('solid');
    expect(ownerState({ metadata: { name: 'o', deletionTimestamp: 't', finalizers: ['orphan'] } })).toBe('solid');
    expect(ownerState({ metadata: { name: 'o', deletionTimestamp: 't', finalizers: ['foregroundDeletion'] } })).toBe('waiting');
  });
});
