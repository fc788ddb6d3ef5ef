import { describe, expect, it } from 'vitest';
import type { Pod } from '@mk8s/api';
import { compareForDeletion, podsToDelete } from './pod-ranking.js';

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: string; created?: string; restarts?: number } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', image: 'i' }], nodeName: o.node },
    status: {
      phase: o.phase,
      conditions:
        o.ready !== undefined ? [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: o.readySince ?? '2026-01-01T00:00:00Z' }] : undefined,
      containerStatuses: o.restarts !== undefined ? [{ name: 'c', restartCount: o.restarts }] : undefined,
    },
  } as Pod;
}

describe('compareForDeletion', () => {
  it('orders unscheduled < pending < not ready < ready', () => {
    const ready = pod('ready', { node: 'n', phase: 'Running', ready: true });
    const notReady = pod('not-ready', { node: 'n', phase: 'Running', ready: false });
    const pending = pod('pending', { node: 'n', phase: 'Pending' });
    const unscheduled = pod('unscheduled', { phase: 'Pending' });
    const sorted = [ready, notReady, pending, unscheduled].sort(compareForDeletion).map((p) => p.metadata!.name);
    expect(sorted).toEqual(['unscheduled', 'pending', 'not-ready', 'ready']);
  });

  it('prefers the newer pod when otherwise equal', () => {
    const older = pod('older', { node: 'n', phase: 'Running', ready: false, created: '2026-01-01T00:00:00Z' });
    const newer = pod('newer', { node: 'n', phase: 'Running', ready: false, created: '2026-01-01T00:01:00Z' });
    expect(podsToDelete([older, newer], 1).map((p) => p.metadata!.name)).toEqual(['newer']);
  });

  it('prefers the pod ready for less time, then the one with more restarts', () => {
    const longReady = pod('long', { node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T00:00:00Z' });
    const justReady = pod('just', { node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T00:05:00Z' });
    expect(podsToDelete([longReady, justReady], 1)[0]!.metadata!.name).toBe('just');
    const crashy = pod('crashy', { node: 'n', phase: 'Running', ready: false, restarts: 4 });
    const calm = pod('calm', { node: 'n', phase: 'Running', ready: false, restarts: 0 });
    expect(podsToDelete([calm, crashy], 1)[0]!.metadata!.name).toBe('crashy');
  });

  it('returns nothing for a count of 0 and does not reorder its input', () => {
    const input = [pod('a', { node: 'n' }), pod('b')];
    expect(podsToDelete(input, 0)).toEqual([]);
    podsToDelete(input, 2);
    expect(input.map((p) => p.metadata!.name)).toEqual(['a', 'b']);
  });
});
