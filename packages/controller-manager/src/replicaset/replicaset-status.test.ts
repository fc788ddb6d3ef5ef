import { describe, expect, it } from 'vitest';
import type { Pod, ReplicaSet } from '@mk8s/api';
import { calculateReplicaSetStatus, nextAvailabilityCheckMs, replicaSetStatusChanged } from './replicaset-status.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');

function rs(o: { minReadySeconds?: number; conditions?: NonNullable<ReplicaSet['status']>['conditions'] } = {}): ReplicaSet {
  return {
    metadata: { name: 'web', namespace: 'ns', generation: 4 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', tier: 'front' } } },
      minReadySeconds: o.minReadySeconds,
    },
    status: { replicas: 0, conditions: o.conditions },
  } as ReplicaSet;
}

function pod(labels: Record<string, string>, readySince?: string): Pod {
  return {
    metadata: { name: 'p', labels },
    status: readySince ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] } : { phase: 'Pending' },
  } as Pod;
}

describe('calculateReplicaSetStatus', () => {
  it('counts replicas, fully labeled, ready and available pods and records the generation', () => {
    const pods = [pod({ app: 'web', tier: 'front' }, '2026-01-01T00:00:00Z'), pod({ app: 'web' }, '2026-01-01T00:09:59Z'), pod({ app: 'web', tier: 'front' })];
    expect(calculateReplicaSetStatus(rs({ minReadySeconds: 30 }), pods, undefined, NOW)).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 4,
    });
  });

  it('adds ReplicaFailure on failure, keeps the first one while failures continue, and drops it on success', () => {
    const failed = calculateReplicaSetStatus(rs(), [], { reason: 'FailedCreate', message: 'quota' }, NOW);
    expect(failed.conditions).toEqual([
      { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: '2026-01-01T00:10:00Z' },
    ]);
    const again = calculateReplicaSetStatus(rs({ conditions: failed.conditions! }), [], { reason: 'FailedCreate', message: 'other' }, NOW + 5000);
    expect(again.conditions).toEqual(failed.conditions);
    expect(calculateReplicaSetStatus(rs({ conditions: failed.conditions! }), [], undefined, NOW).conditions).toBeUndefined();
  });
});

describe('replicaSetStatusChanged', () => {
  it('is false for an equal status (missing counts are 0) and true for any difference', () => {
    const s = { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 0, availableReplicas: 0, observedGeneration: 2 };
    expect(replicaSetStatusChanged({ replicas: 1, fullyLabeledReplicas: 1, observedGeneration: 2 }, s)).toBe(false);
    expect(replicaSetStatusChanged(s, { ...s, readyReplicas: 1 })).toBe(true);
    expect(replicaSetStatusChanged(s, { ...s, observedGeneration: 3 })).toBe(true);
    expect(replicaSetStatusChanged(undefined, { replicas: 0, observedGeneration: 0 })).toBe(false);
  });
});

describe('nextAvailabilityCheckMs', () => {
  it('is the time until the first ready pod reaches minReadySeconds', () => {
    const pods = [pod({}, '2026-01-01T00:09:50Z'), pod({}, '2026-01-01T00:09:40Z'), pod({}, '2026-01-01T00:00:00Z'), pod({})];
    expect(nextAvailabilityCheckMs(pods, 30, NOW)).toBe(10_000);
    expect(nextAvailabilityCheckMs(pods, 0, NOW)).toBeUndefined();
    expect(nextAvailabilityCheckMs([pod({})], 30, NOW)).toBeUndefined();
  });
});
