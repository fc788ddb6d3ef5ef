import { buildNode, buildPod, eventually } from '@mk8s/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduledCondition, startHarness, type Harness } from '../testing/harness.js';

describe('scheduling queue against a real API server', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('retries an unschedulable pod as soon as a node is added (well before the 60 s flush)', async () => {
    h = await startHarness();
    await h.client.pods.inNamespace('default').create(buildPod('waiting', { requests: { cpu: '1' } }));
    await eventually(async () => scheduledCondition(await h!.client.pods.inNamespace('default').get('waiting'))?.status === 'False', {
      message: 'the pod to be unschedulable',
      timeoutMs: 15_000,
    });
    expect(h.scheduler.queue.whereIs('default/waiting')).toBe('unschedulable');
    await h.client.nodes.create(buildNode('late'));
    const pod = await eventually(
      async () => {
        const p = await h!.client.pods.inNamespace('default').get('waiting');
        return p.spec?.nodeName ? p : undefined;
      },
      { message: 'the pod to bind on the new node', timeoutMs: 12_000 },
    );
    expect(pod.spec?.nodeName).toBe('late');
  });

  it('a pod moved by an event backs off first when it failed recently', async () => {
    h = await startHarness({ podInitialBackoffSeconds: 4, podMaxBackoffSeconds: 10 });
    const pod = buildPod('picky');
    pod.spec!.nodeSelector = { disk: 'ssd' };
    await h.client.nodes.create(buildNode('plain'));
    await h.client.pods.inNamespace('default').create(pod);
    await eventually(async () => h!.scheduler.queue.whereIs('default/picky') === 'unschedulable', {
      message: 'the pod to be unschedulable',
      timeoutMs: 15_000,
    });
    const node = await h.client.nodes.get('plain');
    node.metadata!.labels = { ...node.metadata!.labels, disk: 'ssd' };
    await h.client.nodes.update(node);
    // The node update moves it at once, into backoff (its last failure was under 4 s ago).
    await eventually(async () => h!.scheduler.cache.nodeInfo('plain')?.labels['disk'] === 'ssd', { message: 'the label in the cache', timeoutMs: 15_000 });
    expect(h.scheduler.queue.whereIs('default/picky')).toBe('backoff');
    const bound = await eventually(
      async () => {
        const p = await h!.client.pods.inNamespace('default').get('picky');
        return p.spec?.nodeName ? p : undefined;
      },
      { message: 'the pod to bind after its backoff', timeoutMs: 15_000 },
    );
    expect(bound.spec?.nodeName).toBe('plain');
  });

  it('a status-only update (its own PodScheduled condition) does not retry an unschedulable pod', async () => {
    h = await startHarness();
    await h.client.nodes.create(buildNode('tiny', { cpu: '1' }));
    await h.client.pods.inNamespace('default').create(buildPod('huge', { requests: { cpu: '8' } }));
    await eventually(async () => scheduledCondition(await h!.client.pods.inNamespace('default').get('huge'))?.status === 'False', {
      message: 'the condition',
      timeoutMs: 15_000,
    });
    await eventually(async () => h!.scheduler.queue.whereIs('default/huge') === 'unschedulable', { message: 'the pod parked', timeoutMs: 15_000 });
    const attempts = await h.scheduler.registry.getSingleMetricAsString('scheduler_schedule_attempts_total');
    await new Promise((r) => setTimeout(r, 300));
    expect(await h.scheduler.registry.getSingleMetricAsString('scheduler_schedule_attempts_total')).toBe(attempts);
    expect(h.scheduler.queue.whereIs('default/huge')).toBe('unschedulable');
  });
});
