// Taint-based eviction timing on a FakeClock: the controller's clock is fake
// (the API server and informers run for real), so "after tolerationSeconds"
// is checked without waiting for it.
import { metaTime, type Node } from '@mk8s/api';
import { FakeClock, SharedInformerFactory, listerWatchersFor, type Clientset } from '@mk8s/client';
import { buildNode, buildPod, startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NodeLifecycleController } from './node-lifecycle-controller.js';
import { TAINT_UNREACHABLE } from './taints.js';

const realPause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('NodeLifecycleController eviction timing (FakeClock)', () => {
  let cluster: TestCluster;
  let client: Clientset;
  let stop: AbortController;
  let run: Promise<unknown> | undefined;

  beforeEach(async () => {
    stop = new AbortController();
    cluster = await startTestCluster();
    client = cluster.client;
  });

  afterEach(async () => {
    stop.abort();
    await Promise.allSettled([run]);
    await cluster.stop();
  });

  /** Moves fake time forward in steps, letting real I/O (watches, writes) happen between them. */
  async function advance(clock: FakeClock, ms: number, step = 1_000): Promise<void> {
    for (let done = 0; done < ms; done += step) {
      await clock.advance(Math.min(step, ms - done));
      await realPause(15);
    }
  }

  it('evicts a tolerating pod only once tolerationSeconds have passed since the taint was added', async () => {
    const clock = new FakeClock();
    const node = buildNode('n1');
    node.spec = { taints: [{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: metaTime(clock.now()) }] };
    const created = await client.nodes.create(node);
    await client.nodes.updateStatus({
      ...created,
      status: { ...created.status, conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] },
    } as Node);
    const pod = buildPod('tolerant', { nodeName: 'n1' });
    pod.spec!.tolerations = [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }];
    await client.pods.inNamespace('default').create(pod);

    const factory = new SharedInformerFactory(listerWatchersFor(client));
    const controller = new NodeLifecycleController({ client, factory, clock });
    factory.start(stop.signal);
    run = Promise.all([controller.run(stop.signal), factory.stopped()]);

    // The controller is up once it has added the NoSchedule half of the unreachable taint.
    await vi.waitFor(
      async () => {
        await advance(clock, 100, 100);
        const taints = (await client.nodes.get('n1')).spec?.taints ?? [];
        expect(taints).toContainEqual({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' });
      },
      { timeout: 20_000, interval: 50 },
    );
    const deleting = async () => (await client.pods.inNamespace('default').get('tolerant')).metadata?.deletionTimestamp !== undefined;
    await advance(clock, 55_000);
    expect(await deleting()).toBe(false);
    await vi.waitFor(
      async () => {
        await advance(clock, 1_000);
        expect(await deleting()).toBe(true);
      },
      { timeout: 20_000, interval: 50 },
    );
    // It went at the 60 s mark (give or take the steps above), not before.
    expect(clock.now() - Date.parse(node.spec.taints![0]!.timeAdded!)).toBeGreaterThanOrEqual(60_000);
    expect((await client.nodes.get('n1')).spec?.taints).toContainEqual(node.spec.taints![0]); // timeAdded kept
  });
});
