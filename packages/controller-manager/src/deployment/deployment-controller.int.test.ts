import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPodReady, type Deployment, type Pod, type ReplicaSet } from '@mk8s/api';
import { SharedInformerFactory, listerWatchersFor, type Clientset } from '@mk8s/client';
import { buildDeployment, eventually, startTestCluster, type TestCluster } from '@mk8s/testing';
import { ReplicaSetController } from '../replicaset/replicaset-controller.js';
import { activePods, markPodReady } from '../testing/helpers.js';
import { DeploymentController } from './deployment-controller.js';

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
  const name = `deploy-${++nsCounter}`;
  await client.namespaces.create({ metadata: { name } });
  return name;
}

/** Both controllers on one factory, as kube-controller-manager runs them. Returns a stop function. */
function startControllers(): () => Promise<void> {
  const ac = new AbortController();
  const factory = new SharedInformerFactory(listerWatchersFor(client));
  const rsc = new ReplicaSetController({ client, factory });
  const dc = new DeploymentController({ client, factory });
  factory.start(ac.signal);
  const done = Promise.all([rsc.run(ac.signal, 2), dc.run(ac.signal, 2)]);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    ac.abort();
    await done;
    await factory.stopped();
  };
  stops.push(stop);
  return stop;
}

/** A stand-in kubelet: marks every pod of `ns` ready shortly after it appears. */
function startKubelet(ns: string): void {
  const ac = new AbortController();
  const loop = (async () => {
    while (!ac.signal.aborted) {
      try {
        for (const p of await activePods(client, ns)) if (!isPodReady(p)) await markPodReady(client, p).catch(() => {});
      } catch {
        // The cluster may be going away at the end of a test.
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  stops.push(async () => {
    ac.abort();
    await loop;
  });
}

async function replicaSets(ns: string): Promise<ReplicaSet[]> {
  return (await client.replicaSets.inNamespace(ns).list()).items;
}

/** What `kubectl rollout status` waits for. */
async function rolloutComplete(ns: string, name: string): Promise<Deployment | undefined> {
  const d = await client.deployments.inNamespace(ns).get(name);
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  const done =
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want;
  return done ? d : undefined;
}

/** A patch, not get+update: the controller writes the Deployment too, and a stale update would conflict. */
async function setImage(ns: string, name: string, image: string): Promise<void> {
  await client.deployments.inNamespace(ns).patch(name, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }], 'json');
}

describe('DeploymentController (integration)', () => {
  it('rolls out a new template within maxSurge and maxUnavailable, with revisions and events', async () => {
    const ns = await namespace();
    startControllers();
    startKubelet(ns);
    const d = buildDeployment('web', { namespace: ns, replicas: 4 });
    d.spec!.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
    await client.deployments.create(d);
    const v1 = await eventually(() => rolloutComplete(ns, 'web'), { message: 'first rollout', timeoutMs: 30_000 });
    expect(v1.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(v1.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(v1.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    const [rs1] = await replicaSets(ns);
    const hash = rs1!.metadata!.labels!['pod-template-hash']!;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs1!.metadata!.name).toBe(`web-${hash}`);
    expect(rs1!.spec!.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs1!.spec!.template!.metadata!.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs1!.metadata!.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
    expect(rs1!.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', controller: true, blockOwnerDeletion: true })]);

    // Watch the invariants while the rollout runs.
    let maxActive = 0;
    let minReady = Infinity;
    let watching = true;
    const observer = (async () => {
      while (watching) {
        const pods = await activePods(client, ns);
        maxActive = Math.max(maxActive, pods.length);
        minReady = Math.min(minReady, pods.filter(isPodReady).length);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await setImage(ns, 'web', 'busybox:2');
    const v2 = await eventually(
      async () => {
        const done = await rolloutComplete(ns, 'web');
        const rss = await replicaSets(ns);
        return done && rss.length === 2 && rss.every((rs) => rs.status?.replicas === rs.spec?.replicas) ? done : undefined;
      },
      { message: 'second rollout', timeoutMs: 40_000 },
    );
    watching = false;
    await observer;
    expect(maxActive).toBeLessThanOrEqual(5);
    expect(minReady).toBeGreaterThanOrEqual(3);
    expect(v2.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const rss = await replicaSets(ns);
    const old = rss.find((rs) => rs.metadata?.uid === rs1!.metadata?.uid)!;
    const fresh = rss.find((rs) => rs.metadata?.uid !== rs1!.metadata?.uid)!;
    expect(old.spec?.replicas).toBe(0);
    expect(fresh.spec?.replicas).toBe(4);
    expect(fresh.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const pods = await activePods(client, ns);
    expect(pods.every((p) => p.spec?.containers[0]?.image === 'busybox:2')).toBe(true);

    const events = (await client.events.inNamespace(ns).list()).items.filter((e) => e.reason === 'ScalingReplicaSet');
    const messages = events.map((e) => e.message);
    expect(messages).toContain(`Scaled up replica set ${rs1!.metadata!.name} from 0 to 4`);
    expect(messages.some((m) => /^Scaled down replica set web-\w+ from \d+ to \d+$/.test(m ?? ''))).toBe(true);
    expect(events[0]!.source?.component).toBe('deployment-controller');
  });

  it('rolls back to a previous template by reusing its ReplicaSet and bumping its revision', async () => {
    const ns = await namespace();
    startControllers();
    startKubelet(ns);
    await client.deployments.create(buildDeployment('web', { namespace: ns, replicas: 2 }));
    await eventually(() => rolloutComplete(ns, 'web'), { timeoutMs: 30_000 });
    const [rs1] = await replicaSets(ns);
    await setImage(ns, 'web', 'busybox:2');
    await eventually(async () => (await rolloutComplete(ns, 'web'))?.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2', {
      timeoutMs: 30_000,
    });

    // What `kubectl rollout undo` does: the old ReplicaSet's template, minus the hash label, patched in.
    const template = structuredClone(rs1!.spec!.template!);
    delete template.metadata!.labels!['pod-template-hash'];
    await client.deployments.inNamespace(ns).patch('web', [{ op: 'replace', path: '/spec/template', value: template }], 'json');
    const back = await eventually(
      async () => {
        const d = await rolloutComplete(ns, 'web');
        return d?.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '3' ? d : undefined;
      },
      { message: 'rollback', timeoutMs: 30_000 },
    );
    expect(back.status?.updatedReplicas).toBe(2);
    const rss = await replicaSets(ns);
    expect(rss).toHaveLength(2);
    const reused = rss.find((rs) => rs.metadata?.uid === rs1!.metadata?.uid)!;
    expect(reused.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(reused.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(reused.spec?.replicas).toBe(2);
    await eventually(async () => (await replicaSets(ns)).find((rs) => rs.metadata?.uid !== rs1!.metadata?.uid)?.spec?.replicas === 0);
  });

  it('Recreate scales the old pods away before starting new ones', async () => {
    const ns = await namespace();
    startControllers();
    startKubelet(ns);
    const d = buildDeployment('web', { namespace: ns, replicas: 3 });
    d.spec!.strategy = { type: 'Recreate' };
    await client.deployments.create(d);
    await eventually(() => rolloutComplete(ns, 'web'), { timeoutMs: 30_000 });
    let mixed = false;
    let watching = true;
    const observer = (async () => {
      while (watching) {
        const images = new Set((await activePods(client, ns)).map((p: Pod) => p.spec?.containers[0]?.image));
        if (images.size > 1) mixed = true;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await setImage(ns, 'web', 'busybox:2');
    await eventually(
      async () => {
        const done = await rolloutComplete(ns, 'web');
        return done && (await activePods(client, ns)).every((p) => p.spec?.containers[0]?.image === 'busybox:2');
      },
      { message: 'recreate rollout', timeoutMs: 30_000 },
    );
    watching = false;
    await observer;
    expect(mixed).toBe(false);
  });

  it('a paused deployment does not roll out until resumed', async () => {
    const ns = await namespace();
    startControllers();
    startKubelet(ns);
    await client.deployments.create(buildDeployment('web', { namespace: ns, replicas: 2 }));
    await eventually(() => rolloutComplete(ns, 'web'), { timeoutMs: 30_000 });
    await client.deployments.inNamespace(ns).patch('web', { spec: { paused: true } }, 'merge');
    await setImage(ns, 'web', 'busybox:2');
    const paused = await eventually(
      async () => {
        const d = await client.deployments.inNamespace(ns).get('web');
        const cond = d.status?.conditions?.find((c) => c.type === 'Progressing');
        return cond?.reason === 'DeploymentPaused' && d.status?.observedGeneration === d.metadata?.generation ? d : undefined;
      },
      { message: 'paused condition' },
    );
    expect(paused.status?.conditions?.find((c) => c.type === 'Progressing')?.status).toBe('Unknown');
    // Let a few more syncs happen: still one ReplicaSet, still the old image.
    await new Promise((r) => setTimeout(r, 500));
    expect(await replicaSets(ns)).toHaveLength(1);
    expect((await activePods(client, ns)).every((p) => p.spec?.containers[0]?.image === 'busybox:latest')).toBe(true);

    await client.deployments.inNamespace(ns).patch('web', { spec: { paused: false } }, 'merge');
    await eventually(
      async () => {
        const done = await rolloutComplete(ns, 'web');
        return done && (await activePods(client, ns)).every((p) => p.spec?.containers[0]?.image === 'busybox:2');
      },
      { message: 'rollout after resume', timeoutMs: 30_000 },
    );
  });

  it('reports ProgressDeadlineExceeded when pods never become available', async () => {
    const ns = await namespace();
    startControllers();
    const d = buildDeployment('web', { namespace: ns, replicas: 2 });
    d.spec!.progressDeadlineSeconds = 2;
    await client.deployments.create(d);
    const stuck = await eventually(
      async () => {
        const cur = await client.deployments.inNamespace(ns).get('web');
        const cond = cur.status?.conditions?.find((c) => c.type === 'Progressing');
        return cond?.reason === 'ProgressDeadlineExceeded' ? cur : undefined;
      },
      { message: 'deadline exceeded', timeoutMs: 30_000 },
    );
    const progressing = stuck.status!.conditions!.find((c) => c.type === 'Progressing')!;
    expect(progressing.status).toBe('False');
    expect(progressing.message).toMatch(/^ReplicaSet "web-\w+" has timed out progressing\.$/);
    expect(stuck.status!.conditions!.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    const ns = await namespace();
    startControllers();
    startKubelet(ns);
    const d = buildDeployment('web', { namespace: ns, replicas: 1 });
    d.spec!.revisionHistoryLimit = 1;
    await client.deployments.create(d);
    for (const image of ['busybox:2', 'busybox:3', 'busybox:4']) {
      await eventually(() => rolloutComplete(ns, 'web'), { timeoutMs: 30_000 });
      await setImage(ns, 'web', image);
    }
    await eventually(async () => (await rolloutComplete(ns, 'web')) && (await replicaSets(ns)).length === 2, {
      message: 'old ReplicaSets cleaned up',
      timeoutMs: 30_000,
    });
    const revisions = (await replicaSets(ns)).map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
    expect(revisions).toEqual(['3', '4']);
  });

  it('restarted controllers create and delete nothing', async () => {
    const ns = await namespace();
    const stopFirst = startControllers();
    startKubelet(ns);
    await client.deployments.create(buildDeployment('web', { namespace: ns, replicas: 3 }));
    await eventually(() => rolloutComplete(ns, 'web'), { timeoutMs: 30_000 });
    const podsBefore = (await activePods(client, ns)).map((p) => p.metadata?.uid).sort();
    const rsBefore = (await replicaSets(ns)).map((rs) => `${rs.metadata?.uid}@${rs.metadata?.resourceVersion}`);
    await stopFirst();

    startControllers();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await activePods(client, ns)).map((p) => p.metadata?.uid).sort()).toEqual(podsBefore);
    expect((await replicaSets(ns)).map((rs) => `${rs.metadata?.uid}@${rs.metadata?.resourceVersion}`)).toEqual(rsBefore);
    // And it is live: a scale-up adds exactly the missing pod.
    await client.deployments.updateScale(ns, 'web', 4);
    await eventually(() => rolloutComplete(ns, 'web'), { timeoutMs: 30_000 });
    const podsAfter = (await activePods(client, ns)).map((p) => p.metadata?.uid);
    expect(podsAfter).toHaveLength(4);
    for (const uid of podsBefore) expect(podsAfter).toContain(uid);
  });
});
