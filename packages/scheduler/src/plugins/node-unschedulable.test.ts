import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/types.js';
import { testNode, testPodInfo } from '../testing/test-fixtures.js';
import { NodeUnschedulable } from './node-unschedulable.js';

const state = () => new CycleState();

describe('NodeUnschedulable', () => {
  const plugin = new NodeUnschedulable();
  it('rejects cordoned nodes as unresolvable, accepts others', () => {
    const pod = testPodInfo('p');
    expect(plugin.filter(state(), pod, testNode('n')).isSuccess()).toBe(true);
    const s = plugin.filter(state(), pod, testNode('n', { unschedulable: true }));
    expect(s.code).toBe('UnschedulableAndUnresolvable');
    expect(s.reasons).toEqual(['node(s) were unschedulable']);
    expect(s.plugin).toBe('NodeUnschedulable');
  });
  it('lets through a pod tolerating the unschedulable taint', () => {
    const pod = testPodInfo('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(plugin.filter(state(), pod, testNode('n', { unschedulable: true })).isSuccess()).toBe(true);
  });
});
