import { describe, expect, it } from 'vitest';
import { parseLabelSelector, type Pod } from '@mk8s/api';
import { ApiError } from '@mk8s/client';
import { adoptPatch, claimObjects, newControllerRef, releasePatch } from './owner-refs.js';

const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid' } };
const ref = newControllerRef(owner, 'apps/v1', 'ReplicaSet');

function pod(name: string, labels: Record<string, string>, ownerUid?: string, extra: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `${name}-uid`, labels, ownerReferences: ownerUid ? [{ ...ref, uid: ownerUid }] : undefined, ...extra },
  } as Pod;
}

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    opts: {
      owner,
      selector: parseLabelSelector('app=web'),
      recheckOwner: async () => void calls.push('recheck'),
      adopt: async (p: Pod) => void calls.push(`adopt ${p.metadata!.name}`),
      release: async (p: Pod) => void calls.push(`release ${p.metadata!.name}`),
    },
  };
}

describe('claimObjects', () => {
  it('keeps owned matching objects, adopts matching orphans, releases owned non-matching ones, ignores others', async () => {
    const r = recorder();
    const claimed = await claimObjects(
      [
        pod('mine', { app: 'web' }, 'rs-uid'),
        pod('orphan', { app: 'web' }),
        pod('strayed', { app: 'other' }, 'rs-uid'),
        pod('foreign', { app: 'web' }, 'other-uid'),
        pod('unrelated', { app: 'db' }),
        pod('dying-orphan', { app: 'web' }, undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
      ],
      r.opts,
    );
    expect(claimed.map((p) => p.metadata!.name)).toEqual(['mine', 'orphan']);
    expect(r.calls).toEqual(['recheck', 'adopt orphan', 'release strayed']);
  });

  it('adopts nothing and releases nothing for an owner being deleted', async () => {
    const r = recorder();
    const claimed = await claimObjects([pod('orphan', { app: 'web' }), pod('strayed', { app: 'x' }, 'rs-uid')], {
      ...r.opts,
      owner: { ...owner, metadata: { ...owner.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } },
    });
    expect(claimed).toEqual([]);
    expect(r.calls).toEqual([]);
  });

  it('skips an orphan that vanished before adoption and rethrows other failures after trying all', async () => {
    const r = recorder();
    const notFound = new ApiError({ kind: 'Status', code: 404, reason: 'NotFound', message: 'gone' } as any);
    let n = 0;
    await expect(
      claimObjects([pod('a', { app: 'web' }), pod('b', { app: 'web' }), pod('c', { app: 'web' })], {
        ...r.opts,
        adopt: async (p) => {
          n++;
          if (p.metadata!.name === 'a') throw notFound;
          if (p.metadata!.name === 'b') throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
    expect(n).toBe(3);
  });

  it('builds strategic merge patches that carry the uid precondition', () => {
    expect(adoptPatch(ref, 'p1')).toEqual({ metadata: { ownerReferences: [ref], uid: 'p1' } });
    expect(releasePatch('rs-uid', 'p1')).toEqual({ metadata: { ownerReferences: [{ $patch: 'delete', uid: 'rs-uid' }], uid: 'p1' } });
    expect(ref).toMatchObject({ controller: true, blockOwnerDeletion: true, kind: 'ReplicaSet', name: 'web', uid: 'rs-uid' });
  });
});
