import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/types.js';
import { testNode, testPod, testPodInfo } from '../testing/test-fixtures.js';
import { BalancedAllocation } from './balanced-allocation.js';

describe('NodeResourcesBalancedAllocation', () => {
  const plugin = new BalancedAllocation();
  it('scores 100 when cpu and memory are used in the same proportion', () => {
    const pod = testPodInfo('p', { requests: { cpu: '1', memory: '1Gi' } });
    expect(plugin.score(new CycleState(), pod, testNode('n', { cpu: '4', memory: '4Gi' }))).toBe(100);
  });
  it('prefers the node the pod leaves more balanced', () => {
    const pod = testPodInfo('p', { requests: { cpu: '1', memory: '256Mi' } });
    const memHeavy = testNode('mem', { cpu: '4', memory: '4Gi', running: [testPod('a', { requests: { memory: '2Gi' } })] });
    const cpuHeavy = testNode('cpu', { cpu: '4', memory: '4Gi', running: [testPod('b', { requests: { cpu: '2' } })] });
    const onMem = plugin.score(new CycleState(), pod, memHeavy);
    const onCpu = plugin.score(new CycleState(), pod, cpuHeavy);
    expect(onMem).toBeGreaterThan(onCpu);
    // cpu 1/4, memory 2.25/4: std = |0.25 - 0.5625| / 2
    expect(onMem).toBeCloseTo((1 - (0.5625 - 0.25) / 2) * 100, 6);
  });
  it('caps fractions at 1', () => {
    const pod = testPodInfo('p', { requests: { cpu: '8', memory: '1Gi' } });
    expect(plugin.score(new CycleState(), pod, testNode('n', { cpu: '4', memory: '1Gi' }))).toBe(100);
  });
});
