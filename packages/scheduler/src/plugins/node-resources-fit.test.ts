import { describe, expect, it } from 'vitest';
import { newPodInfo } from '../framework/pod-info.js';
import { CycleState } from '../framework/types.js';
import { testNode, testPod, testPodInfo } from '../testing/test-fixtures.js';
import { NodeResourcesFit } from './node-resources-fit.js';

const state = () => new CycleState();

describe('NodeResourcesFit filter', () => {
  const plugin = new NodeResourcesFit();
  it('fits requests against allocatable minus what the node already holds', () => {
    const node = testNode('n', { cpu: '1', memory: '1Gi', running: [testPod('a', { requests: { cpu: '500m', memory: '512Mi' } })] });
    expect(plugin.filter(state(), testPodInfo('ok', { requests: { cpu: '500m', memory: '512Mi' } }), node).isSuccess()).toBe(true);
    const s = plugin.filter(state(), testPodInfo('big', { requests: { cpu: '600m', memory: '600Mi' } }), node);
    expect(s.code).toBe('Unschedulable');
    expect(s.reasons).toEqual(['Insufficient cpu', 'Insufficient memory']);
  });
  it('counts pods against the pods capacity', () => {
    const node = testNode('n', { pods: '1' });
    expect(plugin.filter(state(), testPodInfo('first'), node).isSuccess()).toBe(true);
    node.addPod(testPodInfo('first'));
    expect(plugin.filter(state(), testPodInfo('second'), node).reasons).toEqual(['Too many pods']);
  });
  it('a pod without requests fits a full node (only pods count)', () => {
    const node = testNode('n', { cpu: '1', running: [testPod('a', { requests: { cpu: '1' } })] });
    expect(plugin.filter(state(), testPodInfo('free'), node).isSuccess()).toBe(true);
  });
  it('takes init containers and extended resources into account', () => {
    const pod = testPod('p', { requests: { cpu: '100m' } });
    expect(plugin.filter(state(), newPodInfo(pod), testNode('n', { cpu: '1' })).isSuccess()).toBe(true);
    pod.spec!.initContainers = [{ name: 'init', image: 'busybox', resources: { requests: { cpu: '2' } } }];
    expect(plugin.filter(state(), newPodInfo(pod), testNode('n', { cpu: '1' })).reasons).toEqual(['Insufficient cpu']);
    const gpuPod = testPod('g');
    gpuPod.spec!.containers[0]!.resources = { requests: { 'example.com/gpu': '1' } };
    expect(plugin.filter(state(), newPodInfo(gpuPod), testNode('n')).reasons).toEqual(['Insufficient example.com/gpu']);
  });
});

describe('NodeResourcesFit score', () => {
  it('LeastAllocated prefers the emptier node', () => {
    const plugin = new NodeResourcesFit();
    const pod = testPodInfo('p', { requests: { cpu: '1', memory: '1Gi' } });
    const empty = testNode('empty', { cpu: '4', memory: '4Gi' });
    const busy = testNode('busy', { cpu: '4', memory: '4Gi', running: [testPod('a', { requests: { cpu: '2', memory: '2Gi' } })] });
    expect(plugin.score(state(), pod, empty)).toBe(75);
    expect(plugin.score(state(), pod, busy)).toBe(25);
  });
  it('MostAllocated prefers the fuller node, and weights resources', () => {
    const plugin = new NodeResourcesFit({
      scoringStrategy: {
        type: 'MostAllocated',
        resources: [
          { name: 'cpu', weight: 3 },
          { name: 'memory', weight: 1 },
        ],
      },
    });
    const pod = testPodInfo('p', { requests: { cpu: '1', memory: '1Gi' } });
    const node = testNode('n', { cpu: '4', memory: '4Gi', running: [testPod('a', { requests: { cpu: '1' } })] });
    // cpu 2/4 = 50 (weight 3), memory 1Gi+200Mi default of the other pod... the other pod requests no memory: 200Mi counted.
    const mem = ((1024 + 200) / 4096) * 100;
    expect(plugin.score(state(), pod, node)).toBeCloseTo((50 * 3 + mem) / 4, 6);
  });
  it('scores pods without requests with the non-zero defaults (100m, 200Mi)', () => {
    const plugin = new NodeResourcesFit();
    const score = plugin.score(state(), testPodInfo('p'), testNode('n', { cpu: '1', memory: '2000Mi' }));
    expect(score).toBeCloseTo((90 + 90) / 2, 6);
  });
  it('rejects an unknown strategy', () => {
    expect(() => new NodeResourcesFit({ scoringStrategy: { type: 'Random' as never } })).toThrow(/unknown scoringStrategy/);
  });
});
