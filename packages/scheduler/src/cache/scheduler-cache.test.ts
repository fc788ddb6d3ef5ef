import { buildNode } from '@mk8s/testing';
import { describe, expect, it } from 'vitest';
import { newPodInfo } from '../framework/pod-info.js';
import { testPod } from '../testing/test-fixtures.js';
import { SchedulerCache } from './scheduler-cache.js';

function cacheWithNodes(...names: string[]) {
  const cache = new SchedulerCache();
  for (const n of names) cache.addNode(buildNode(n, { cpu: '2' }));
  return cache;
}

describe('SchedulerCache', () => {
  it('assumed pods count against their node at once; forget undoes it', () => {
    const cache = cacheWithNodes('a');
    const info = newPodInfo(testPod('p', { requests: { cpu: '500m' } }));
    cache.assumePod(info, 'a');
    expect(cache.nodeInfo('a')!.requestedMilliCPU).toBe(500);
    expect(cache.isAssumed(info.uid)).toBe(true);
    expect(cache.forgetPod(info.uid)).toBe(true);
    expect(cache.nodeInfo('a')!.requestedMilliCPU).toBe(0);
    expect(cache.podCount).toBe(0);
  });

  it('the watch confirms an assumed pod (no double count), after which forget is a no-op', () => {
    const cache = cacheWithNodes('a');
    const pod = testPod('p', { requests: { cpu: '500m' } });
    const info = newPodInfo(pod);
    cache.assumePod(info, 'a');
    cache.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'a' } });
    expect(cache.isAssumed(info.uid)).toBe(false);
    expect(cache.nodeInfo('a')!.requestedMilliCPU).toBe(500);
    expect(cache.forgetPod(info.uid)).toBe(false);
    expect(cache.nodeInfo('a')!.requestedMilliCPU).toBe(500);
  });

  it('moves a pod that was bound elsewhere than assumed', () => {
    const cache = cacheWithNodes('a', 'b');
    const pod = testPod('p', { requests: { cpu: '1' } });
    cache.assumePod(newPodInfo(pod), 'a');
    cache.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'b' } });
    expect(cache.nodeInfo('a')!.requestedMilliCPU).toBe(0);
    expect(cache.nodeInfo('b')!.requestedMilliCPU).toBe(1000);
  });

  it('drops terminal and deleted pods', () => {
    const cache = cacheWithNodes('a');
    const pod = testPod('p', { requests: { cpu: '1' }, nodeName: 'a' });
    cache.addPod(pod);
    expect(cache.nodeInfo('a')!.requestedMilliCPU).toBe(1000);
    cache.updatePod({ ...pod, status: { phase: 'Succeeded' } });
    expect(cache.nodeInfo('a')!.requestedMilliCPU).toBe(0);
    cache.addPod(pod);
    cache.removePod(pod);
    expect(cache.podCount).toBe(0);
  });

  it('lists only nodes with a Node object, and keeps pods of a deleted node accounted until they go', () => {
    const cache = cacheWithNodes('a', 'b');
    expect(cache.nodeList().map((n) => n.name)).toEqual(['a', 'b']);
    const pod = testPod('p');
    cache.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'b' } });
    cache.removeNode('b');
    expect(cache.nodeList().map((n) => n.name)).toEqual(['a']);
    expect(cache.nodeInfo('b')?.pods.size).toBe(1);
    cache.removePod(pod);
    expect(cache.nodeInfo('b')).toBeUndefined();
    // A pod seen before its node: the node appears with the pod already counted.
    const early = testPod('early', { requests: { cpu: '1' } });
    cache.addPod({ ...early, spec: { ...early.spec!, nodeName: 'c' } });
    expect(cache.nodeList()).toHaveLength(1);
    cache.addNode(buildNode('c'));
    expect(cache.nodeInfo('c')!.requestedMilliCPU).toBe(1000);
    expect(cache.nodeList()).toHaveLength(2);
  });
});
