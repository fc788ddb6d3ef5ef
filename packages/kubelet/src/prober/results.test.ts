import { describe, expect, it } from 'vitest';
import { ProbeResults, type ResultUpdate } from './results.js';

const base: ResultUpdate = { podUid: 'p1', containerName: 'app', containerId: 'c1', type: 'readiness', result: 'failure' };

describe('ProbeResults', () => {
  it('keeps one verdict per pod, container and probe type', () => {
    const r = new ProbeResults();
    r.set(base);
    r.set({ ...base, type: 'liveness', result: 'success' });
    r.set({ ...base, containerName: 'side', result: 'success' });
    expect(r.get('p1', 'app', 'readiness')).toEqual({ containerId: 'c1', result: 'failure' });
    expect(r.get('p1', 'app', 'liveness')).toEqual({ containerId: 'c1', result: 'success' });
    expect(r.get('p1', 'side', 'readiness')).toEqual({ containerId: 'c1', result: 'success' });
    expect(r.get('p1', 'app', 'startup')).toBeUndefined();
    expect(r.get('p2', 'app', 'readiness')).toBeUndefined();
  });

  it('notifies only on a change of result or of container', () => {
    const r = new ProbeResults();
    const seen: ResultUpdate[] = [];
    r.onChange((u) => seen.push(u));
    r.set(base);
    r.set(base);
    r.set({ ...base, result: 'success' });
    r.set({ ...base, result: 'success' });
    r.set({ ...base, containerId: 'c2', result: 'success' });
    expect(seen.map((u) => `${u.containerId}:${u.result}`)).toEqual(['c1:failure', 'c1:success', 'c2:success']);
    expect(seen[0]).toEqual(base);
  });

  it('forgets silently and stops notifying after unsubscribe', () => {
    const r = new ProbeResults();
    const seen: ResultUpdate[] = [];
    const off = r.onChange((u) => seen.push(u));
    r.set(base);
    r.set({ ...base, containerName: 'side' });
    r.remove('p1', 'app', 'readiness');
    expect(r.get('p1', 'app', 'readiness')).toBeUndefined();
    expect(r.get('p1', 'side', 'readiness')).toBeDefined();
    r.removePod('p1');
    expect(r.get('p1', 'side', 'readiness')).toBeUndefined();
    expect(seen).toHaveLength(2);
    off();
    r.set(base);
    expect(seen).toHaveLength(2);
    // After removal the same verdict counts as new again.
    expect(r.get('p1', 'app', 'readiness')).toEqual({ containerId: 'c1', result: 'failure' });
  });

  it('calls every listener even when one throws, then rethrows', () => {
    const r = new ProbeResults();
    const seen: string[] = [];
    r.onChange(() => {
      throw new Error('boom');
    });
    r.onChange((u) => seen.push(u.result));
    expect(() => r.set(base)).toThrow('boom');
    expect(seen).toEqual(['failure']);
    expect(r.get('p1', 'app', 'readiness')?.result).toBe('failure');
  });
});
