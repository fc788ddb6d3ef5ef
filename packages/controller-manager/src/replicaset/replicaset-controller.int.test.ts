import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, ReplicaSet } from '@mk8s/api';
import { ApiError, Clientset, PodClient, SharedInformerFactory, listerWatchersFor, type ListerWatcherFactory, type WriteOptions } from '@mk8s/client';
import { buildPod, buildReplicaSet, eventually, startTestCluster, type TestCluster } from '@mk8s/testing';
import { activePods, laggingListerWatchers, markPodReady } from '../testing/helpers.js';
import { ReplicaSetController } from './replicaset-controller.js';

let cluster: TestCluster;
let client: Clientset;
const stops: Array<() => Promise<void>> = [];
let nsCounter = 0;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
});
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});
afterAll(async () => {
  await cluster?.stop();
});

async function namespace(): Promise<string> {
  const name = `rs-${++nsCounter}`;
  await client.namespaces.create({ metadata: { name } });
  return name;
}

function startController(opts: { lw?: ListerWatcherFactory; controllerClient?: Clientset } = {}): ReplicaSetController {
  const ac = new AbortController();
  const c = opts.controllerClient ?? client;
  const factory = new SharedInformerFactory(opts.lw ?? listerWatchersFor(c));
  const rsc = new ReplicaSetController({ client: c, factory });
  factory.start(ac.signal);
  const done = rsc.run(ac.signal, 2);
  stops.push(async () => {
    ac.abort();
    await done;
    await factory.stopped();
  });
  return rsc;
}

function ownedBy(rs: ReplicaSet) {
  return (p: Pod) => p.metadata?.ownerReferences?.some((r) => r.uid === rs.metadata?.uid && r.controller === true) ?? false;
}

async function waitForPods(ns: string, rs: ReplicaSet, n: number): Promise<Pod[]> {
  return eventually(
    async () => {
      const pods = (await activePods(client, ns)).filter(ownedBy(rs));
      return pods.length === n ? pods : undefined;
    },
    { message: `${n} pods of ${rs.metadata?.name}` },
  );
}

describe('ReplicaSetController (integration)', () => {
  it('creates owned pods, follows scale up and down through the scale subresource, and reports status', async () => {
    const ns = await namespace();
    startController();
    const rs = await client.replicaSets.create(buildReplicaSet('web', { namespace: ns, replicas: 3 }));
    const pods = await waitForPods(ns, rs, 3);
    for (const p of pods) {
      expect(p.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata?.labels).toEqual({ app: 'web' });
      expect(p.metadata?.ownerReferences).toEqual([
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    await eventually(async () => {
      const cur = await client.replicaSets.inNamespace(ns).get('web');
      return cur.status?.replicas === 3 && cur.status.fullyLabeledReplicas === 3 && cur.status.observedGeneration === 1;
    });

    await client.replicaSets.updateScale(ns, 'web', 5);
    await waitForPods(ns, rs, 5);
    await client.replicaSets.updateScale(ns, 'web', 2);
    await waitForPods(ns, rs, 2);
    await eventually(async () => {
      const cur = await client.replicaSets.inNamespace(ns).get('web');
      return cur.status?.replicas === 2 && cur.status.observedGeneration === cur.metadata?.generation;
    });

    const events = await eventually(async () => {
      const list = await client.events.inNamespace(ns).list();
      const reasons = list.items.filter((e) => e.involvedObject?.name === 'web').map((e) => e.reason);
      return reasons.filter((r) => r === 'SuccessfulCreate').length === 5 && reasons.includes('SuccessfulDelete') ? list.items : undefined;
    });
    const created = events.find((e) => e.reason === 'SuccessfulCreate')!;
    expect(created.involvedObject).toMatchObject({ kind: 'ReplicaSet', apiVersion: 'apps/v1', name: 'web' });
    expect(created.source?.component).toBe('replicaset-controller');
    expect(created.message).toMatch(/^Created pod: web-/);
  });

  it('replaces a deleted pod', async () => {
    const ns = await namespace();
    startController();
    const rs = await client.replicaSets.create(buildReplicaSet('web', { namespace: ns, replicas: 2 }));
    const [victim] = await waitForPods(ns, rs, 2);
    await client.pods.inNamespace(ns).delete(victim!.metadata!.name!);
    const after = await eventually(async () => {
      const pods = (await activePods(client, ns)).filter(ownedBy(rs));
      return pods.length === 2 && !pods.some((p) => p.metadata?.uid === victim!.metadata?.uid) ? pods : undefined;
    });
    expect(after).toHaveLength(2);
  });

  it('never overshoots while its pod watch lags behind', async () => {
    const ns = await namespace();
    startController({ lw: laggingListerWatchers(client, 'pods', 150) });
    const rs = await client.replicaSets.create(buildReplicaSet('web', { namespace: ns, replicas: 5 }));
    let max = 0;
    // Every RS update (here, annotation changes) triggers a sync that reads the lagging pod cache.
    for (let i = 0; i < 30; i++) {
      await client.replicaSets.inNamespace(ns).patch('web', { metadata: { annotations: { poke: String(i) } } }, 'merge');
      max = Math.max(max, (await activePods(client, ns)).length);
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitForPods(ns, rs, 5);
    for (let i = 0; i < 10; i++) {
      max = Math.max(max, (await activePods(client, ns)).length);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(max).toBe(5);
  });

  it('adopts matching orphans and releases pods whose labels stop matching', async () => {
    const ns = await namespace();
    const orphan = await client.pods.create(buildPod('orphan', { namespace: ns, labels: { app: 'web' } }));
    await client.pods.create(buildPod('bystander', { namespace: ns, labels: { app: 'db' } }));
    startController();
    const rs = await client.replicaSets.create(buildReplicaSet('web', { namespace: ns, replicas: 2 }));
    const pods = await waitForPods(ns, rs, 2);
    expect(pods.map((p) => p.metadata?.uid)).toContain(orphan.metadata?.uid);
    const bystander = await client.pods.inNamespace(ns).get('bystander');
    expect(bystander.metadata?.ownerReferences).toBeUndefined();

    // Relabel the adopted pod: it is released, and a replacement is made.
    await client.pods.inNamespace(ns).patch('orphan', { metadata: { labels: { app: 'other' } } }, 'merge');
    await eventually(async () => {
      const p = await client.pods.inNamespace(ns).get('orphan');
      return (p.metadata?.ownerReferences ?? []).length === 0;
    });
    const now = await waitForPods(ns, rs, 2);
    expect(now.map((p) => p.metadata?.name)).not.toContain('orphan');
  });

  it('deletes not-ready pods before ready ones, and newer ready ones before older', async () => {
    const ns = await namespace();
    startController();
    const rs = await client.replicaSets.create(buildReplicaSet('web', { namespace: ns, replicas: 3 }));
    const [a, b] = await waitForPods(ns, rs, 3);
    await markPodReady(client, a!, new Date(Date.now() - 60_000));
    await markPodReady(client, b!, new Date());
    await eventually(async () => (await client.replicaSets.inNamespace(ns).get('web')).status?.readyReplicas === 2);
    await client.replicaSets.updateScale(ns, 'web', 2);
    let left = await waitForPods(ns, rs, 2);
    expect(left.map((p) => p.metadata?.name).sort()).toEqual([a!.metadata!.name, b!.metadata!.name].sort());
    await client.replicaSets.updateScale(ns, 'web', 1);
    left = await waitForPods(ns, rs, 1);
    expect(left[0]!.metadata?.name).toBe(a!.metadata!.name);
  });

  it('counts ready pods as available only after minReadySeconds', async () => {
    const ns = await namespace();
    startController();
    const rs = buildReplicaSet('web', { namespace: ns, replicas: 2 });
    rs.spec!.minReadySeconds = 2;
    const created = await client.replicaSets.create(rs);
    const pods = await waitForPods(ns, created, 2);
    for (const p of pods) await markPodReady(client, p);
    const mid = await eventually(async () => {
      const cur = await client.replicaSets.inNamespace(ns).get('web');
      return cur.status?.readyReplicas === 2 ? cur : undefined;
    });
    expect(mid.status?.availableReplicas ?? 0).toBeLessThan(2);
    await eventually(async () => (await client.replicaSets.inNamespace(ns).get('web')).status?.availableReplicas === 2, {
      message: 'availability after minReadySeconds',
    });
  });

  it('reports a ReplicaFailure condition while creates fail, and clears it once they succeed', async () => {
    const ns = await namespace();
    let failing = true;
    class QuotaPods extends PodClient {
      override async create(obj: Pod, opts?: WriteOptions): Promise<Pod> {
        if (failing)
          throw new ApiError({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            code: 403,
            reason: 'Forbidden',
            message: 'pods "web-" is forbidden: exceeded quota: compute',
          } as any);
        return super.create(obj, opts);
      }
    }
    const controllerClient = new Clientset({ server: cluster.url });
    Object.defineProperty(controllerClient, 'pods', { value: new QuotaPods(controllerClient.transport, controllerClient.pods.ref) });
    stops.push(async () => controllerClient.close());
    startController({ controllerClient });
    await client.replicaSets.create(buildReplicaSet('web', { namespace: ns, replicas: 2 }));
    const failed = await eventually(async () => {
      const cur = await client.replicaSets.inNamespace(ns).get('web');
      return cur.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    });
    expect(failed).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(failed.message).toContain('exceeded quota');
    await eventually(async () => (await client.events.inNamespace(ns).list()).items.some((e) => e.reason === 'FailedCreate' && e.type === 'Warning'));

    failing = false;
    await eventually(
      async () => {
        const cur = await client.replicaSets.inNamespace(ns).get('web');
        return cur.status?.replicas === 2 && !cur.status.conditions?.some((c) => c.type === 'ReplicaFailure');
      },
      { message: 'recovery', timeoutMs: 30_000 },
    );
  });

  it('a restarted controller creates and deletes no pod', async () => {
    const ns = await namespace();
    const first = new AbortController();
    const factory = new SharedInformerFactory(listerWatchersFor(client));
    const rsc = new ReplicaSetController({ client, factory });
    factory.start(first.signal);
    const done = rsc.run(first.signal);
    const rs = await client.replicaSets.create(buildReplicaSet('web', { namespace: ns, replicas: 3 }));
    const before = await waitForPods(ns, rs, 3);
    await eventually(async () => (await client.replicaSets.inNamespace(ns).get('web')).status?.replicas === 3);
    first.abort();
    await done;
    await factory.stopped();

    startController();
    // Give the new controller time to sync everything, then prove it is live with a scale-up of one.
    await new Promise((r) => setTimeout(r, 500));
    await client.replicaSets.updateScale(ns, 'web', 4);
    const after = await waitForPods(ns, rs, 4);
    const uids = after.map((p) => p.metadata?.uid);
    for (const p of before) expect(uids).toContain(p.metadata?.uid);
    const all = await client.pods.inNamespace(ns).list();
    expect(all.items).toHaveLength(4);
  });
});
