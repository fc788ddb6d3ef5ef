import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/types.js';
import { testNode, testPodInfo } from '../testing/test-fixtures.js';
import { NodeName } from './node-name.js';

const state = () => new CycleState();

describe('NodeName', () => {
  const plugin = new NodeName();
  it('skips pods without spec.nodeName', () => {
    expect(plugin.preFilter(state(), testPodInfo('p')).isSkip()).toBe(true);
  });
  it('accepts only the named node', () => {
    const pod = testPodInfo('p', { nodeName: 'a' });
    expect(plugin.preFilter(state(), pod).isSuccess()).toBe(true);
    expect(plugin.filter(state(), pod, testNode('a')).isSuccess()).toBe(true);
    expect(plugin.filter(state(), pod, testNode('b')).reasons).toEqual(["node(s) didn't match the requested node name"]);
  });
});
