import type { ContainerStatus, Pod } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { podPhase } from './status.js';
import { terminationGraceSeconds } from './termination.js';

const running = (name: string): ContainerStatus => ({ name, image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } });
const exited = (name: string, exitCode: number): ContainerStatus => ({
  name,
  image: 'i',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode } },
});
const waiting = (name: string, after?: number): ContainerStatus => ({
  name,
  image: 'i',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { waiting: { reason: 'X' } },
  ...(after !== undefined ? { lastState: { terminated: { exitCode: after } } } : {}),
});
const pod = (restartPolicy: string): Pod => ({ spec: { restartPolicy, containers: [] } });

describe('podPhase', () => {
  it('follows Kubernetes rules per restartPolicy', () => {
    expect(podPhase(pod('Always'), [], [running('a'), exited('b', 0)])).toBe('Running');
    expect(podPhase(pod('Always'), [], [exited('a', 0)])).toBe('Running');
    expect(podPhase(pod('Always'), [], [waiting('a')])).toBe('Pending');
    expect(podPhase(pod('Always'), [], [waiting('a', 1)])).toBe('Running');
    expect(podPhase(pod('OnFailure'), [], [exited('a', 0), exited('b', 0)])).toBe('Succeeded');
    expect(podPhase(pod('OnFailure'), [], [exited('a', 0), exited('b', 2)])).toBe('Running');
    expect(podPhase(pod('Never'), [], [exited('a', 0), exited('b', 2)])).toBe('Failed');
    expect(podPhase(pod('Never'), [], [exited('a', 0), running('b')])).toBe('Running');
  });

  it('is Pending until init containers succeed, Failed when one fails under Never', () => {
    expect(podPhase(pod('Always'), [exited('i', 0), running('j')], [waiting('a')])).toBe('Pending');
    expect(podPhase(pod('Always'), [waiting('i', 1)], [waiting('a')])).toBe('Pending');
    expect(podPhase(pod('Never'), [exited('i', 1)], [waiting('a')])).toBe('Failed');
    expect(podPhase(pod('Always'), [exited('i', 0)], [running('a')])).toBe('Running');
  });
});

describe('terminationGraceSeconds', () => {
  it('is the smaller of the deletion grace period and the spec', () => {
    expect(terminationGraceSeconds({ spec: { containers: [], terminationGracePeriodSeconds: 20 }, metadata: { deletionGracePeriodSeconds: 7 } })).toBe(7);
    expect(terminationGraceSeconds({ spec: { containers: [], terminationGracePeriodSeconds: 5 }, metadata: { deletionGracePeriodSeconds: 30 } })).toBe(5);
    expect(terminationGraceSeconds({ spec: { containers: [] }, metadata: {} })).toBe(30);
    expect(terminationGraceSeconds({ spec: { containers: [], terminationGracePeriodSeconds: 20 }, metadata: { deletionGracePeriodSeconds: 0 } })).toBe(0);
  });
});
