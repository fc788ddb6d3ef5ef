import { describe, expect, it } from 'vitest';
import type { Deployment, DeploymentStatus, ReplicaSet } from '@mk8s/api';
import { calculateStatus, deploymentComplete, newCondition, progressRecheckMs, setCondition, updateProgressConditions } from './deployment-status.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');

function deployment(status: DeploymentStatus = {}, deadline = 600): Deployment {
  return {
    metadata: { name: 'web', namespace: 'ns', generation: 2 },
    spec: {
      replicas: 4,
      selector: {},
      template: {},
      progressDeadlineSeconds: deadline,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    },
    status,
  } as Deployment;
}

function rs(name: string, spec: number, replicas: number, available: number): ReplicaSet {
  return {
    metadata: { name },
    spec: { replicas: spec, selector: {} },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  } as ReplicaSet;
}

describe('calculateStatus', () => {
  it('sums the ReplicaSets and sets Available by the minimum', () => {
    const newRS = rs('new', 2, 2, 1);
    const s = calculateStatus([rs('old', 2, 2, 2), newRS], newRS, deployment(), NOW);
    expect(s).toMatchObject({ observedGeneration: 2, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 });
    expect(s.conditions).toEqual([expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' })]);
    const low = calculateStatus([rs('new', 4, 4, 2)], undefined, deployment(), NOW);
    expect(low.conditions![0]).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });

  it('completes only when every pod is updated and available', () => {
    const d = deployment();
    expect(deploymentComplete(d, { observedGeneration: 2, replicas: 4, updatedReplicas: 4, availableReplicas: 4 })).toBe(true);
    expect(deploymentComplete(d, { observedGeneration: 2, replicas: 5, updatedReplicas: 4, availableReplicas: 4 })).toBe(false);
    expect(deploymentComplete(d, { observedGeneration: 1, replicas: 4, updatedReplicas: 4, availableReplicas: 4 })).toBe(false);
  });
});

describe('Progressing condition', () => {
  it('keeps the transition time when only the reason changes', () => {
    const s: DeploymentStatus = {};
    setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'a', NOW - 60_000));
    setCondition(s, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'b', NOW));
    expect(s.conditions).toEqual([
      {
        type: 'Progressing',
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: 'b',
        lastUpdateTime: '2026-01-01T00:10:00Z',
        lastTransitionTime: '2026-01-01T00:09:00Z',
      },
    ]);
  });

  it('refreshes lastUpdateTime on progress and times out after the deadline without it', () => {
    const started = newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'x', NOW - 30_000);
    const d = deployment({ replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, conditions: [started] }, 20);
    const newRS = rs('web-abc', 2, 2, 1);
    const all = [rs('old', 3, 3, 3), newRS];
    // More updated pods than the stored status: progress, so the deadline restarts.
    const progressed = calculateStatus(all, newRS, d, NOW);
    updateProgressConditions(d, progressed, all, newRS, NOW);
    expect(progressed.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({ reason: 'ReplicaSetUpdated', lastUpdateTime: '2026-01-01T00:10:00Z' });
    expect(progressRecheckMs(d, progressed, NOW)).toBe(20_000);
    // Nothing moved for 30 s with a 20 s deadline: timed out.
    const still = deployment({ ...progressed, conditions: [started] }, 20);
    const stuck = calculateStatus(all, newRS, still, NOW);
    updateProgressConditions(still, stuck, all, newRS, NOW);
    expect(stuck.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "web-abc" has timed out progressing.',
    });
    expect(progressRecheckMs(still, stuck, NOW)).toBeUndefined();
  });

  it('marks a complete rollout NewReplicaSetAvailable', () => {
    const d = deployment({ conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'x', NOW)] });
    const newRS = rs('web-abc', 4, 4, 4);
    const s = calculateStatus([newRS], newRS, d, NOW);
    updateProgressConditions(d, s, [newRS], newRS, NOW);
    expect(s.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: 'ReplicaSet "web-abc" has successfully progressed.',
    });
  });
});
