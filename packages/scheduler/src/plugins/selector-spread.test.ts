import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/types.js';
import { testNode, testPod, testPodInfo } from '../testing/test-fixtures.js';
import { SelectorSpread } from './selector-spread.js';

describe('SelectorSpread', () => {
  const plugin = new SelectorSpread();
  it('skips pods without a controller', () => {
    expect(plugin.preScore(new CycleState(), testPodInfo('p')).isSkip()).toBe(true);
  });
  it('prefers nodes with fewer pods of the same owner; other owners do not count', () => {
    const mine = (n: string) => testPod(n, { ownerUid: 'rs-1' });
    const nodes = [
      testNode('two', { running: [mine('a'), mine('b')] }),
      testNode('one', { running: [mine('c'), testPod('x', { ownerUid: 'rs-2' })] }),
      testNode('none', { running: [testPod('y', { ownerUid: 'rs-2' }), testPod('z')] }),
    ];
    const pod = testPodInfo('new', { ownerUid: 'rs-1' });
    const state = new CycleState();
    expect(plugin.preScore(state, pod).isSuccess()).toBe(true);
    const scores = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
    expect([...scores]).toEqual([2, 1, 0]);
    plugin.normalizeScores(state, pod, scores, 3);
    expect([...scores]).toEqual([0, 50, 100]);
  });
});
