import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/types.js';
import { testNode, testPodInfo } from '../testing/test-fixtures.js';
import { NodeReady } from './node-ready.js';

const state = () => new CycleState();

describe('NodeReady', () => {
  const plugin = new NodeReady();
  it('rejects nodes whose Ready condition is not True', () => {
    const pod = testPodInfo('p');
    expect(plugin.filter(state(), pod, testNode('up')).isSuccess()).toBe(true);
    const s = plugin.filter(state(), pod, testNode('down', { ready: false }));
    expect(s.code).toBe('UnschedulableAndUnresolvable');
    expect(s.reasons).toEqual(['node(s) were not ready']);
  });
  it('lets through pods that tolerate the not-ready taint', () => {
    const pod = testPodInfo('p', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] });
    expect(plugin.filter(state(), pod, testNode('down', { ready: false })).isSuccess()).toBe(true);
  });
});
