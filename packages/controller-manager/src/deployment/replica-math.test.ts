import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '@mk8s/api';
import {
  isScalingEvent,
  maxSurge,
  maxUnavailable,
  newReplicaSetSize,
  proportionalSizes,
  resolveFenceposts,
  rollingScaleDown,
  scaledValue,
} from './replica-math.js';

function deployment(replicas: number, surge: number | string = '25%', unavailable: number | string = '25%', type = 'RollingUpdate'): Deployment {
  return {
    metadata: { name: 'web', namespace: 'ns', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {},
      strategy: type === 'RollingUpdate' ? { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } : { type },
    },
  } as Deployment;
}

let seq = 0;
function rs(name: string, spec: number, o: { available?: number; status?: number; maxReplicas?: number; desired?: number } = {}): ReplicaSet {
  seq++;
  return {
    metadata: {
      name,
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
      // Kept: an annotation map, where a key with an undefined value is not the same as no key.
      annotations: {
        ...(o.maxReplicas !== undefined ? { 'deployment.kubernetes.io/max-replicas': String(o.maxReplicas) } : {}),
        ...(o.desired !== undefined ? { 'deployment.kubernetes.io/desired-replicas': String(o.desired) } : {}),
      },
    },
    spec: { replicas: spec, selector: {} },
    status: { replicas: o.status ?? spec, availableReplicas: o.available ?? spec, readyReplicas: o.available ?? spec },
  } as ReplicaSet;
}

describe('fenceposts', () => {
  it('rounds surge up and unavailable down', () => {
    expect(scaledValue('25%', 10, true)).toBe(3);
    expect(scaledValue('25%', 10, false)).toBe(2);
    expect(scaledValue(2, 10, true)).toBe(2);
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
  });

  it('turns 0 and 0 into unavailable 1 so a rollout can move', () => {
    expect(resolveFenceposts(0, 0, 3)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts('10%', '10%', 3)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('0%', '10%', 3)).toEqual({ surge: 0, unavailable: 1 });
  });

  it('gives Recreate no surge and no unavailability, and caps unavailable at replicas', () => {
    expect(maxSurge(deployment(4, 1, 1, 'Recreate'))).toBe(0);
    expect(maxUnavailable(deployment(4, 1, 1, 'Recreate'))).toBe(0);
    expect(maxUnavailable(deployment(2, 0, 5))).toBe(2);
    expect(maxUnavailable(deployment(0, 1, 1))).toBe(0);
  });
});

describe('newReplicaSetSize', () => {
  it('grows the new ReplicaSet by what the surge leaves, never past desired', () => {
    const d = deployment(4, 1, 1);
    const old = rs('old', 4);
    const fresh = rs('new', 0);
    expect(newReplicaSetSize(d, [old, fresh], fresh)).toBe(1);
    const fresh3 = rs('new', 3);
    expect(newReplicaSetSize(d, [rs('old', 1), fresh3], fresh3)).toBe(4);
  });

  it('counts pods an old ReplicaSet still reports while it shrinks', () => {
    const d = deployment(4, 1, 1);
    const shrinking = rs('old', 2, { status: 3 });
    const fresh = rs('new', 2);
    expect(newReplicaSetSize(d, [shrinking, fresh], fresh)).toBe(2);
  });

  it('is the desired count for Recreate', () => {
    const fresh = rs('new', 0);
    expect(newReplicaSetSize(deployment(3, 0, 0, 'Recreate'), [rs('old', 3), fresh], fresh)).toBe(3);
  });
});

describe('rollingScaleDown', () => {
  it('scales old ReplicaSets down only as far as availability allows', () => {
    const d = deployment(4, 1, 1);
    // 4 old available + 1 new not yet available: 5 pods, min available 3, new unavailable 1 -> may drop 1.
    expect(rollingScaleDown(d, rs('new', 1, { available: 0 }), [rs('old', 4)])).toEqual(new Map([['old', 3]]));
    // New pod available: 5 available, min 3 -> 2 may go.
    expect(rollingScaleDown(d, rs('new', 1), [rs('old', 4)])).toEqual(new Map([['old', 2]]));
  });

  it('sheds unavailable old pods first, oldest ReplicaSet first', () => {
    const d = deployment(4, 1, 1);
    const older = rs('older', 2, { available: 0 });
    const old = rs('old', 2);
    const result = rollingScaleDown(d, rs('new', 1, { available: 0 }), [old, older]);
    // maxScaledDown = 5 - 3 - 1 = 1: one unavailable pod of the oldest goes; available 2 < 3 so nothing more.
    expect(result).toEqual(new Map([['older', 1]]));
  });

  it('does nothing when nothing old is left or availability is at the minimum', () => {
    const d = deployment(4, 1, 1);
    expect(rollingScaleDown(d, rs('new', 4), [rs('old', 0)]).size).toBe(0);
    expect(rollingScaleDown(d, rs('new', 1, { available: 0 }), [rs('old', 3, { available: 3 })]).size).toBe(0);
  });
});

describe('proportional scaling', () => {
  it('detects a resize from the desired-replicas annotation', () => {
    expect(isScalingEvent(deployment(5), [rs('a', 3, { desired: 3 })])).toBe(true);
    expect(isScalingEvent(deployment(3), [rs('a', 3, { desired: 3 })])).toBe(false);
    expect(isScalingEvent(deployment(5), [rs('a', 0, { desired: 3 })])).toBe(false);
  });

  it('splits a scale-up in proportion to each ReplicaSet, leftovers to the largest', () => {
    // Mid-rollout of 10 (surge 3): old 8, new 5 = 13 = 10 + 3. Scaled to 20 (surge 5): 25 allowed, +12.
    const d = deployment(20, '25%', '25%');
    const sizes = proportionalSizes(d, rs('new', 5, { maxReplicas: 13 }), [rs('old', 8, { maxReplicas: 13 })]);
    expect(sizes.get('old')! + sizes.get('new')!).toBe(25);
    expect(sizes.get('old')).toBe(15);
    expect(sizes.get('new')).toBe(10);
  });

  it('scales everything to 0 for 0 replicas', () => {
    const sizes = proportionalSizes(deployment(0), rs('new', 2, { maxReplicas: 5 }), [rs('old', 3, { maxReplicas: 5 })]);
    expect([...sizes.values()]).toEqual([0, 0]);
  });
});
