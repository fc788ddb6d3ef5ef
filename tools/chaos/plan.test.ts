// The seeded kill plan: a seed names one sequence of kills, within the configured bounds.
import { describe, expect, it } from 'vitest';
import { restartedBy } from './run.js';
import { DEFAULT_PLAN, Prng, kindOf, nextStep, processName } from './plan.js';

const plan = (seed: number, n: number) => {
  const rng = new Prng(seed);
  return Array.from({ length: n }, () => nextStep(rng, { nodes: ['node-1', 'node-2'], ...DEFAULT_PLAN }));
};

describe('the kill plan', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(plan(42, 20)).toEqual(plan(42, 20));
    expect(plan(42, 20)).not.toEqual(plan(43, 20));
  });

  it('stays within the pause and delay bounds and names only killable processes', () => {
    for (const s of plan(1, 500)) {
      expect(s.pauseMs).toBeGreaterThanOrEqual(5_000);
      expect(s.pauseMs).toBeLessThanOrEqual(15_000);
      expect(s.restartDelayMs).toBeGreaterThanOrEqual(0);
      expect(s.restartDelayMs).toBeLessThanOrEqual(5_000);
      expect(kindOf(s.victim)).toBeDefined();
    }
  });

  it('reaches every kind of component and both nodes', () => {
    const victims = new Set(plan(3, 500).map((s) => s.victim));
    expect([...victims].sort()).toEqual(
      [
        'cloud-controller-manager',
        'dockershim-node-1',
        'dockershim-node-2',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-proxy',
        'kube-scheduler',
        'kubelet-node-1',
        'kubelet-node-2',
      ].sort(),
    );
  });

  it('names processes as the launcher does', () => {
    expect(processName('kubelet', 'node-2')).toBe('kubelet-node-2');
    expect(processName('kube-proxy', 'node-2')).toBe('kube-proxy');
    expect(kindOf('dockershim-node-11')).toBe('dockershim');
    expect(kindOf('etcd')).toBeUndefined();
  });

  it('reads what mk8s up started from its output', () => {
    expect(restartedBy('mk8s is running; starting what is missing: kube-apiserver, kubelet-node-2\n  ok ...')).toEqual(['kube-apiserver', 'kubelet-node-2']);
    expect(restartedBy('mk8s is already running (a, b); state in /tmp/x')).toEqual([]);
  });
});
