import { buildNode, buildPod, eventually } from '@mk8s/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsFor, listPods, scheduledCondition, startHarness, type Harness } from '../testing/harness.js';

describe('scheduler against a real API server', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('binds a pending pod and records a Scheduled event', async () => {
    h = await startHarness();
    await h.client.nodes.create(buildNode('node-1'));
    await h.client.pods.inNamespace('default').create(buildPod('web'));
    const pod = await eventually(
      async () => {
        const p = await h!.client.pods.inNamespace('default').get('web');
        return p.spec?.nodeName ? p : undefined;
      },
      { message: 'the pod to be bound', timeoutMs: 15_000 },
    );
    expect(pod.spec?.nodeName).toBe('node-1');
    expect(scheduledCondition(pod)?.status).toBe('True');
    const ev = await eventually(async () => (await eventsFor(h!.client, 'web')).find((e) => e.reason === 'Scheduled'), {
      message: 'the Scheduled event',
      timeoutMs: 15_000,
    });
    expect(ev.type).toBe('Normal');
    expect(ev.message).toBe('Successfully assigned default/web to node-1');
    expect(ev.source?.component).toBe('default-scheduler');
  });

  it('never double-books resources under a burst: 2 nodes of 1 cpu, 10 pods of 500m -> 4 bound, 6 pending', async () => {
    h = await startHarness();
    await h.client.nodes.create(buildNode('node-a', { cpu: '1' }));
    await h.client.nodes.create(buildNode('node-b', { cpu: '1' }));
    await eventually(async () => h!.scheduler.cache.nodeCount === 2, { message: 'the nodes in the cache', timeoutMs: 15_000 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => h!.client.pods.inNamespace('default').create(buildPod(`burst-${i}`, { requests: { cpu: '500m' } }))),
    );
    const message = '0/2 nodes are available: 2 Insufficient cpu. preemption: not supported.';
    const pods = await eventually(
      async () => {
        const all = await listPods(h!.client);
        const pending = all.filter((p) => !p.spec?.nodeName);
        return pending.length === 6 && pending.every((p) => scheduledCondition(p)?.message === message) ? all : undefined;
      },
      { message: '6 pods to be reported unschedulable', timeoutMs: 15_000 },
    );
    const bound = pods.filter((p) => p.spec?.nodeName);
    expect(bound).toHaveLength(4);
    const perNode = new Map<string, number>();
    for (const p of bound) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([2, 2]);
    const pending = pods.find((p) => !p.spec?.nodeName)!;
    expect(scheduledCondition(pending)).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    const ev = await eventually(async () => (await eventsFor(h!.client, pending.metadata!.name!)).find((e) => e.reason === 'FailedScheduling'), {
      message: 'a FailedScheduling event',
      timeoutMs: 15_000,
    });
    expect(ev).toMatchObject({ type: 'Warning', message });
    // Give the scheduler time to (wrongly) do more; nothing else may bind.
    await new Promise((r) => setTimeout(r, 300));
    expect((await listPods(h.client)).filter((p) => p.spec?.nodeName)).toHaveLength(4);
  });

  it('explains in Kubernetes format: reasons counted and sorted, taints named', async () => {
    h = await startHarness();
    await h.client.nodes.create(buildNode('small', { cpu: '1' }));
    const tainted = buildNode('gpu-1');
    tainted.spec = { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] };
    await h.client.nodes.create(tainted);
    const tainted2 = buildNode('gpu-2');
    tainted2.spec = { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] };
    await h.client.nodes.create(tainted2);
    await h.client.nodes.create(buildNode('cordoned', { unschedulable: true }));
    await h.client.nodes.create(buildNode('down', { ready: false }));
    const labelled = buildPod('picky', { requests: { cpu: '2' } });
    await eventually(async () => h!.scheduler.cache.nodeCount === 5, { message: 'the nodes in the cache', timeoutMs: 15_000 });
    await h.client.pods.inNamespace('default').create(labelled);
    const expected =
      '0/5 nodes are available: 1 Insufficient cpu, 1 node(s) were not ready, 1 node(s) were unschedulable, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: not supported.';
    const pod = await eventually(
      async () => {
        const p = await h!.client.pods.inNamespace('default').get('picky');
        return scheduledCondition(p)?.status === 'False' ? p : undefined;
      },
      { message: 'the PodScheduled=False condition', timeoutMs: 15_000 },
    );
    expect(scheduledCondition(pod)?.message).toBe(expected);
    expect(scheduledCondition(pod)?.reason).toBe('Unschedulable');
    const ev = await eventually(async () => (await eventsFor(h!.client, 'picky')).find((e) => e.reason === 'FailedScheduling'), {
      message: 'the event',
      timeoutMs: 15_000,
    });
    expect(ev.message).toBe(expected);
  });

  it('says so when there are no nodes at all', async () => {
    h = await startHarness();
    await h.client.pods.inNamespace('default').create(buildPod('lonely'));
    const pod = await eventually(
      async () => {
        const p = await h!.client.pods.inNamespace('default').get('lonely');
        return scheduledCondition(p)?.status === 'False' ? p : undefined;
      },
      { message: 'the PodScheduled=False condition', timeoutMs: 15_000 },
    );
    expect(scheduledCondition(pod)?.message).toBe('no nodes available to schedule pods');
  });

  it('ignores pods of other schedulers', async () => {
    h = await startHarness();
    await h.client.nodes.create(buildNode('node-1'));
    const other = buildPod('other');
    other.spec!.schedulerName = 'my-scheduler';
    await h.client.pods.inNamespace('default').create(other);
    await h.client.pods.inNamespace('default').create(buildPod('mine'));
    await eventually(async () => (await h!.client.pods.inNamespace('default').get('mine')).spec?.nodeName, {
      message: 'the default pod to bind',
      timeoutMs: 15_000,
    });
    expect((await h.client.pods.inNamespace('default').get('other')).spec?.nodeName).toBeUndefined();
    expect(h.scheduler.queue.whereIs('default/other')).toBeUndefined();
  });
});
