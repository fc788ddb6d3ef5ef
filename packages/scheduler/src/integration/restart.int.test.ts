import { buildNode, buildPod, eventually } from '@mk8s/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsFor, listPods, startHarness, type Harness } from '../testing/harness.js';

describe('scheduler restarts and races', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('two schedulers racing bind each pod once; the loser forgets its assumption (409)', async () => {
    h = await startHarness();
    const second = h.startScheduler();
    await h.client.nodes.create(buildNode('n1', { cpu: '4' }));
    await h.client.nodes.create(buildNode('n2', { cpu: '4' }));
    await eventually(async () => h!.scheduler.cache.nodeCount === 2 && second.cache.nodeCount === 2, {
      message: 'both caches to see the nodes',
      timeoutMs: 15_000,
    });
    await Promise.all(Array.from({ length: 12 }, (_, i) => h!.client.pods.inNamespace('default').create(buildPod(`p-${i}`, { requests: { cpu: '500m' } }))));
    // 8 cpu in all, 12 pods of 500m: all fit, and every pod must bind exactly once.
    await eventually(async () => (await listPods(h!.client)).every((p) => p.spec?.nodeName), { message: 'all pods bound', timeoutMs: 15_000 });
    for (const s of [h.scheduler, second]) {
      await eventually(async () => s.cache.assumedCount === 0 && s.cache.podCount === 12, {
        message: 'each cache to hold exactly the 12 bound pods',
        timeoutMs: 15_000,
      });
    }
    const requested = (name: string) => h!.scheduler.cache.nodeInfo(name)!.requestedMilliCPU + 0;
    expect(requested('n1') + requested('n2')).toBe(6000);
  });

  it('a restarted scheduler skips pods that are already bound', async () => {
    h = await startHarness();
    await h.client.nodes.create(buildNode('n1'));
    await Promise.all(Array.from({ length: 5 }, (_, i) => h!.client.pods.inNamespace('default').create(buildPod(`p-${i}`))));
    await eventually(async () => (await listPods(h!.client)).every((p) => p.spec?.nodeName), { message: 'all pods bound', timeoutMs: 15_000 });
    const again = h.startScheduler();
    await eventually(async () => again.hasSynced() && again.cache.podCount === 5, { message: 'the new scheduler to sync', timeoutMs: 15_000 });
    await h.client.pods.inNamespace('default').create(buildPod('late'));
    await eventually(async () => (await h!.client.pods.inNamespace('default').get('late')).spec?.nodeName, {
      message: 'the new pod to bind',
      timeoutMs: 15_000,
    });
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 5; i++) {
      const scheduled = (await eventsFor(h.client, `p-${i}`)).filter((e) => e.reason === 'Scheduled');
      expect(scheduled).toHaveLength(1);
    }
  });
});
