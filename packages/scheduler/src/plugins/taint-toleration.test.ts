import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/types.js';
import { testNode, testPodInfo } from '../testing/test-fixtures.js';
import { TaintToleration } from './taint-toleration.js';
import { toleratesTaint } from './tolerations.js';

const plugin = new TaintToleration();

describe('toleratesTaint', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  it('matches key, value and effect as Kubernetes does', () => {
    expect(toleratesTaint({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu' }, taint)).toBe(true); // empty effect: any
    expect(toleratesTaint({ key: 'dedicated', value: 'cpu' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true); // tolerates everything
    expect(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(toleratesTaint({ value: 'gpu' }, taint)).toBe(false); // empty key needs Exists
  });
});

describe('TaintToleration filter', () => {
  it('rejects the first untolerated NoSchedule/NoExecute taint, naming it', () => {
    const node = testNode('n', {
      taints: [
        { key: 'a', value: '1', effect: 'NoSchedule' },
        { key: 'b', effect: 'NoExecute' },
      ],
    });
    const s = plugin.filter(new CycleState(), testPodInfo('p'), node);
    expect(s.code).toBe('UnschedulableAndUnresolvable');
    expect(s.reasons).toEqual(['node(s) had untolerated taint {a: 1}']);
    const tolA = testPodInfo('p', { tolerations: [{ key: 'a', operator: 'Exists' }] });
    expect(plugin.filter(new CycleState(), tolA, node).reasons).toEqual(['node(s) had untolerated taint {b: }']);
    const both = testPodInfo('p', {
      tolerations: [
        { key: 'a', operator: 'Exists' },
        { key: 'b', operator: 'Exists', effect: 'NoExecute' },
      ],
    });
    expect(plugin.filter(new CycleState(), both, node).isSuccess()).toBe(true);
  });
  it('ignores PreferNoSchedule taints when filtering', () => {
    const node = testNode('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] });
    expect(plugin.filter(new CycleState(), testPodInfo('p'), node).isSuccess()).toBe(true);
  });
});

describe('TaintToleration score', () => {
  it('prefers nodes with fewer untolerated PreferNoSchedule taints', () => {
    const nodes = [
      testNode('clean'),
      testNode('one', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }),
      testNode('two', {
        taints: [
          { key: 'x', effect: 'PreferNoSchedule' },
          { key: 'y', effect: 'PreferNoSchedule' },
        ],
      }),
      testNode('tolerated', { taints: [{ key: 'y', effect: 'PreferNoSchedule' }] }),
    ];
    const pod = testPodInfo('p', { tolerations: [{ key: 'y', operator: 'Exists', effect: 'PreferNoSchedule' }] });
    const state = new CycleState();
    plugin.preScore(state, pod);
    const scores = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
    expect([...scores]).toEqual([0, 1, 1, 0]);
    plugin.normalizeScores(state, pod, scores, 4);
    expect([...scores]).toEqual([100, 0, 0, 100]);
  });
  it('scores every node 100 when none has soft taints', () => {
    const scores = Float64Array.from([0, 0]);
    plugin.normalizeScores(new CycleState(), testPodInfo('p'), scores, 2);
    expect([...scores]).toEqual([100, 100]);
  });
});
