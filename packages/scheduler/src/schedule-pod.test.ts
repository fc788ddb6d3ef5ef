import { buildNode } from '@mk8s/testing';
import { describe, expect, it } from 'vitest';
import { SchedulerCache } from './cache/scheduler-cache.js';
import { buildFramework, resolveConfig, type SchedulerConfiguration } from './config.js';
import { FitError } from './framework/fit-error.js';
import { newPodInfo } from './framework/pod-info.js';
import { NoNodesAvailableError, PodScheduler, numFeasibleNodesToFind } from './schedule-pod.js';
import { testPod, testPodInfo } from './testing/test-fixtures.js';

function setup(nodes: number, cfg: SchedulerConfiguration = {}, cpu = '4') {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) cache.addNode(buildNode(`n-${String(i).padStart(4, '0')}`, { cpu }));
  const resolved = resolveConfig(cfg);
  return { cache, scheduler: new PodScheduler(buildFramework(resolved), cache, resolved.percentageOfNodesToScore, () => 0.5) };
}

describe('numFeasibleNodesToFind', () => {
  it('filters small clusters in full and samples large ones adaptively (50 - n/125 %, min 5 %, at least 100)', () => {
    expect(numFeasibleNodesToFind(50, 0)).toBe(50);
    expect(numFeasibleNodesToFind(99, 0)).toBe(99);
    expect(numFeasibleNodesToFind(100, 0)).toBe(100); // 50 % of 100 is below the floor of 100
    expect(numFeasibleNodesToFind(1000, 0)).toBe(420); // 42 %
    expect(numFeasibleNodesToFind(5000, 0)).toBe(500); // 10 %
    expect(numFeasibleNodesToFind(10_000, 0)).toBe(500); // 5 % floor
    expect(numFeasibleNodesToFind(1000, 30)).toBe(300);
    expect(numFeasibleNodesToFind(1000, 100)).toBe(1000);
    expect(numFeasibleNodesToFind(1000, 1)).toBe(100);
  });
});

describe('PodScheduler', () => {
  it('picks the best-scored node (least allocated)', () => {
    const { cache, scheduler } = setup(3);
    cache.addPod(testPod('busy-0', { nodeName: 'n-0000', requests: { cpu: '3' } }));
    cache.addPod(testPod('busy-2', { nodeName: 'n-0002', requests: { cpu: '2' } }));
    expect(scheduler.schedule(testPodInfo('p', { requests: { cpu: '100m' } })).nodeName).toBe('n-0001');
  });

  it('stops filtering once enough feasible nodes are found, and starts the next attempt where it stopped', () => {
    const { scheduler } = setup(1000);
    const first = scheduler.schedule(testPodInfo('a'));
    expect(first).toMatchObject({ evaluatedNodes: 420, feasibleNodes: 420 });
    const second = scheduler.schedule(testPodInfo('b'));
    expect(second.evaluatedNodes).toBe(420);
  });

  it('looks at every node before declaring a pod unschedulable', () => {
    const { scheduler } = setup(300, {}, '1');
    try {
      scheduler.schedule(testPodInfo('huge', { requests: { cpu: '2' } }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FitError);
      expect((err as FitError).message).toBe('0/300 nodes are available: 300 Insufficient cpu. preemption: not supported.');
    }
  });

  it('sees assumed pods: back-to-back decisions never over-commit a node', () => {
    const { cache, scheduler } = setup(2, {}, '1');
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const info = newPodInfo(testPod(`p-${i}`, { requests: { cpu: '500m' } }));
      try {
        const { nodeName } = scheduler.schedule(info);
        cache.assumePod(info, nodeName);
        placed.push(nodeName);
      } catch (err) {
        expect(err).toBeInstanceOf(FitError);
      }
    }
    expect(placed.sort()).toEqual(['n-0000', 'n-0000', 'n-0001', 'n-0001']);
  });

  it('spreads the pods of one owner across nodes', () => {
    const { cache, scheduler } = setup(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const info = newPodInfo(testPod(`r-${i}`, { ownerUid: 'rs-1' }));
      const { nodeName } = scheduler.schedule(info);
      cache.assumePod(info, nodeName);
      counts.set(nodeName, (counts.get(nodeName) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([2, 2, 2]);
  });

  it('fails with NoNodesAvailableError on an empty cluster', () => {
    const { scheduler } = setup(0);
    expect(() => scheduler.schedule(testPodInfo('p'))).toThrow(NoNodesAvailableError);
  });

  it('honours the configured plugin set: without NodeResourcesFit anything goes', () => {
    const { scheduler } = setup(2, { profiles: [{ plugins: { filter: { disabled: [{ name: 'NodeResourcesFit' }] } } }] }, '1');
    expect(scheduler.schedule(testPodInfo('huge', { requests: { cpu: '8' } })).nodeName).toMatch(/^n-/);
  });
});
