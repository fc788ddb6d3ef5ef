import { describe, expect, it } from 'vitest';
import { deletionConditions, mergeConditions } from './namespace-conditions.js';

describe('deletionConditions', () => {
  it('reports remaining content and finalizers as Kubernetes words them', () => {
    const conds = deletionConditions({
      remaining: new Map([
        ['replicasets.apps', 1],
        ['pods.', 2],
      ]),
      finalizers: new Map([['example.com/hold', 1]]),
      failures: [],
    });
    expect(conds.find((c) => c.type === 'NamespaceContentRemaining')).toEqual({
      type: 'NamespaceContentRemaining',
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: pods. has 2 resource instances, replicasets.apps has 1 resource instances',
    });
    expect(conds.find((c) => c.type === 'NamespaceFinalizersRemaining')).toMatchObject({
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    expect(conds.find((c) => c.type === 'NamespaceDeletionContentFailure')).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
  });

  it('reports group versions discovery could not read', () => {
    const conds = deletionConditions({ remaining: new Map(), finalizers: new Map(), failures: [], discoveryFailures: ['example.com/v1: boom'] });
    expect(conds.find((c) => c.type === 'NamespaceDeletionDiscoveryFailure')).toEqual({
      type: 'NamespaceDeletionDiscoveryFailure',
      status: 'True',
      reason: 'DiscoveryFailed',
      message: 'Discovery failed for some groups, 1 failing: example.com/v1: boom',
    });
    expect(deletionConditions({ remaining: new Map(), finalizers: new Map(), failures: [] })[0]).toMatchObject({
      status: 'False',
      reason: 'ResourcesDiscovered',
    });
  });

  it('reports deletion failures', () => {
    const conds = deletionConditions({ remaining: new Map(), finalizers: new Map(), failures: ['pods.: boom'] });
    expect(conds.find((c) => c.type === 'NamespaceDeletionContentFailure')).toMatchObject({ status: 'True', reason: 'ContentDeletionFailed' });
    expect(conds.find((c) => c.type === 'NamespaceContentRemaining')).toMatchObject({ status: 'False', reason: 'ContentRemoved' });
  });
});

describe('mergeConditions', () => {
  it('changes nothing when nothing changed and keeps transition times of unchanged statuses', () => {
    const wanted = deletionConditions({ remaining: new Map([['pods.', 1]]), finalizers: new Map(), failures: [] });
    const first = mergeConditions(undefined, wanted, 't1')!;
    expect(first).toHaveLength(5);
    expect(mergeConditions(first, wanted, 't2')).toBeUndefined();
    const fewer = deletionConditions({ remaining: new Map([['pods.', 2]]), finalizers: new Map(), failures: [] });
    const next = mergeConditions(first, fewer, 't3')!;
    expect(next.find((c) => c.type === 'NamespaceContentRemaining')).toMatchObject({ lastTransitionTime: 't1', message: expect.stringContaining('has 2') });
  });
});
