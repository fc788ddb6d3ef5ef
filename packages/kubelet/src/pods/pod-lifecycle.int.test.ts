import type { Pod } from '@mk8s/api';
import { SharedInformerFactory, deletedObject, isNotFound, listerWatchersFor, type Clientset } from '@mk8s/client';
import type { StopContainerRequest } from '@mk8s/cri';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { eventually, startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PodLifecycle } from './pod-lifecycle.js';
import { StatusManager } from './status-manager.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster.stop();
});

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A kubelet's pod half: a watch of this node's pods feeding a PodLifecycle. */
async function startKubelet(runtime: FakeRuntime, nodeName = 'node-1'): Promise<{ lifecycle: PodLifecycle; stop: () => Promise<void> }> {
  const ac = new AbortController();
  const lifecycle = new PodLifecycle({
    client: cluster.client,
    runtime,
    nodeName,
    rootDir: '/var/lib/mk8s-test',
    hostIP: '127.0.0.1',
    relistPeriodMs: 50,
    resyncPeriodMs: 200,
    backoff: { initialMs: 100, maxMs: 400 },
  });
  const factory = new SharedInformerFactory(listerWatchersFor(cluster.client));
  const pods = factory.informerFor('pods', { fieldSelector: `spec.nodeName=${nodeName}` });
  pods.addEventHandler({
    onAdd: (p) => lifecycle.handlePodAdd(p as Pod),
    onUpdate: (_o, p) => lifecycle.handlePodUpdate(p as Pod),
    onDelete: (p) => lifecycle.handlePodDelete(deletedObject(p) as Pod),
  });
  factory.start(ac.signal);
  await factory.waitForCacheSync(ac.signal);
  const running = lifecycle.run(ac.signal);
  const stop = async () => {
    ac.abort();
    await running;
    await lifecycle.idle();
  };
  cleanups.push(stop);
  return { lifecycle, stop };
}

function newRuntime(cidr: string): FakeRuntime {
  const r = new FakeRuntime({ podCidr: cidr, writeLogs: false });
  cleanups.push(() => r.close());
  return r;
}

function podSpec(name: string, extra: Partial<NonNullable<Pod['spec']>> = {}, node = 'node-1'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: node,
      containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
      ...extra,
    },
  };
}

const get = (c: Clientset, name: string) => c.pods.inNamespace('default').get(name);

describe('PodLifecycle with an API server', () => {
  it('runs a pod: status Running with a pod IP, env from ConfigMaps and Secrets', async () => {
    const client = cluster.client;
    await client.configMaps.inNamespace('default').create({ metadata: { name: 'cfg' }, data: { color: 'blue', size: 'L' } });
    await client.secrets.inNamespace('default').create({ metadata: { name: 'sec' }, stringData: { token: 's3cret' } });
    const runtime = newRuntime('10.97.0.0/24');
    await startKubelet(runtime);
    await client.pods.inNamespace('default').create(
      podSpec('web', {
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'IfNotPresent',
            command: ['sleep', '3600'],
            envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
            env: [
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'token' } } },
              { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
          },
        ],
      }),
    );
    const pod = await eventually(
      async () => {
        const p = await get(client, 'web');
        return p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && p;
      },
      { message: 'Running', timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(pod.status?.podIP).toMatch(/^10\.97\.0\.\d+$/);
    expect(pod.status?.hostIP).toBe('127.0.0.1');
    expect(pod.status?.qosClass).toBe('BestEffort');
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: 'main', ready: true, restartCount: 0, started: true });
    const ctr = (await runtime.listContainers({})).containers[0]!;
    const env = Object.fromEntries((runtime.containerConfig(ctr.id)?.envs ?? []).map((e) => [e.key, e.value]));
    expect(env).toEqual({ CFG_color: 'blue', CFG_size: 'L', TOKEN: 's3cret', IP: pod.status?.podIP });

    // Nothing changes: no more status writes.
    const rv = pod.metadata?.resourceVersion;
    await new Promise((r) => setTimeout(r, 500));
    expect((await get(client, 'web')).metadata?.resourceVersion).toBe(rv);
    await client.pods.inNamespace('default').delete('web', { gracePeriodSeconds: 0 });
  });

  it('restarts a container that dies (PLEG) and reports restartCount and lastState', async () => {
    const client = cluster.client;
    const runtime = newRuntime('10.97.1.0/24');
    await startKubelet(runtime);
    await client.pods.inNamespace('default').create(podSpec('heal'));
    await eventually(async () => (await get(client, 'heal')).status?.phase === 'Running', { message: 'Running', timeoutMs: 15_000, intervalMs: 20 });
    const first = (await runtime.listContainers({})).containers[0]!;
    runtime.exitContainer(first.id, 137, 'OOMKilled');
    const p = await eventually(
      async () => {
        const p = await get(client, 'heal');
        const cs = p.status?.containerStatuses?.[0];
        return cs?.restartCount === 1 && cs.state?.running && p;
      },
      { message: 'restarted', timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    await client.pods.inNamespace('default').delete('heal', { gracePeriodSeconds: 0 });
  });

  it('graceful deletion stops containers with the grace period, removes the sandbox, and the pod disappears', async () => {
    const client = cluster.client;
    const runtime = newRuntime('10.97.2.0/24');
    const stops: StopContainerRequest[] = [];
    const stopContainer = runtime.stopContainer.bind(runtime);
    runtime.stopContainer = (req) => {
      stops.push(req);
      return stopContainer(req);
    };
    await startKubelet(runtime);
    await client.pods.inNamespace('default').create(podSpec('bye', { terminationGracePeriodSeconds: 20 }));
    await eventually(async () => (await get(client, 'bye')).status?.phase === 'Running', { message: 'Running', timeoutMs: 15_000, intervalMs: 20 });
    await client.pods.inNamespace('default').delete('bye', { gracePeriodSeconds: 7 });
    await eventually(
      async () => {
        try {
          await get(client, 'bye');
          return false;
        } catch (err) {
          return isNotFound(err);
        }
      },
      { message: 'pod gone', timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(stops.map((s) => s.timeout)).toEqual([7]);
    await eventually(async () => (await runtime.listPodSandbox({})).items.length === 0, { message: 'runtime empty', timeoutMs: 15_000, intervalMs: 20 });
    expect((await runtime.listContainers({})).containers).toEqual([]);
  });

  it('a restarted kubelet adopts a running pod without restarting it', async () => {
    const client = cluster.client;
    const runtime = newRuntime('10.97.3.0/24');
    const k1 = await startKubelet(runtime);
    await client.pods.inNamespace('default').create(podSpec('keep'));
    await eventually(async () => (await get(client, 'keep')).status?.phase === 'Running', { message: 'Running', timeoutMs: 15_000, intervalMs: 20 });
    runtime.exitContainer((await runtime.listContainers({})).containers[0]!.id, 1);
    const before = await eventually(
      async () => {
        const p = await get(client, 'keep');
        return p.status?.containerStatuses?.[0]?.restartCount === 1 && p.status.containerStatuses[0].state?.running && p;
      },
      { message: 'restarted once', timeoutMs: 15_000, intervalMs: 20 },
    );
    await k1.stop();
    const creates = runtime.callCount('createContainer');
    const sandboxes = runtime.callCount('runPodSandbox');

    const k2 = await startKubelet(runtime);
    await eventually(async () => k2.lifecycle.workers.has(before.metadata!.uid!), { message: 'synced by the new kubelet', timeoutMs: 15_000, intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 300));
    await k2.lifecycle.idle();
    expect(runtime.callCount('createContainer')).toBe(creates);
    expect(runtime.callCount('runPodSandbox')).toBe(sandboxes);
    const after = await get(client, 'keep');
    expect(after.status?.containerStatuses?.[0]).toMatchObject({
      restartCount: 1,
      containerID: before.status?.containerStatuses?.[0]?.containerID,
      ready: true,
    });
    expect(after.status?.phase).toBe('Running');
    await client.pods.inNamespace('default').delete('keep', { gracePeriodSeconds: 0 });
  });

  it('removes the containers of pods deleted while the kubelet was down (orphans)', async () => {
    const client = cluster.client;
    const runtime = newRuntime('10.97.4.0/24');
    const k1 = await startKubelet(runtime);
    await client.pods.inNamespace('default').create(podSpec('orphan'));
    await eventually(async () => (await get(client, 'orphan')).status?.phase === 'Running', { message: 'Running', timeoutMs: 15_000, intervalMs: 20 });
    await k1.stop();
    await client.pods.inNamespace('default').delete('orphan', { gracePeriodSeconds: 0 });
    expect((await runtime.listPodSandbox({})).items).toHaveLength(1);

    // A pod the new kubelet owns must survive the cleanup.
    await client.pods.inNamespace('default').create(podSpec('survivor'));
    await startKubelet(runtime);
    await eventually(async () => (await get(client, 'survivor')).status?.phase === 'Running', {
      message: 'survivor Running',
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    await eventually(
      async () => {
        const items = (await runtime.listPodSandbox({})).items;
        return items.length === 1 && items[0]!.metadata.name === 'survivor';
      },
      { message: 'orphan removed', timeoutMs: 15_000, intervalMs: 20 },
    );
    await new Promise((r) => setTimeout(r, 200));
    expect((await runtime.listContainers({})).containers.map((c) => c.state)).toEqual(['CONTAINER_RUNNING']);
    await client.pods.inNamespace('default').delete('survivor', { gracePeriodSeconds: 0 });
  });

  it('a pod force-deleted while running has its containers removed', async () => {
    const client = cluster.client;
    const runtime = newRuntime('10.97.5.0/24');
    await startKubelet(runtime);
    await client.pods.inNamespace('default').create(podSpec('force'));
    await eventually(async () => (await get(client, 'force')).status?.phase === 'Running', { message: 'Running', timeoutMs: 15_000, intervalMs: 20 });
    await client.pods.inNamespace('default').delete('force', { gracePeriodSeconds: 0 });
    await eventually(async () => (await runtime.listPodSandbox({})).items.length === 0, { message: 'runtime empty', timeoutMs: 15_000, intervalMs: 20 });
  });
});

describe('StatusManager', () => {
  it('writes only changes, survives a stale object, and ignores pods that are gone', async () => {
    const client = cluster.client;
    const sm = new StatusManager({ client });
    const created = await client.pods.inNamespace('default').create(podSpec('sm', {}, 'node-x'));
    const status = { phase: 'Running', podIP: '10.1.2.3', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] };
    expect(await sm.setPodStatus(created, status)).toBe(true);
    const afterFirst = await get(client, 'sm');
    expect(afterFirst.status).toMatchObject({ phase: 'Running', podIP: '10.1.2.3' });

    // Same status, other condition timestamp: no write.
    const again = { ...status, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:05:00Z' }] };
    expect(await sm.setPodStatus(afterFirst, again)).toBe(false);
    expect((await get(client, 'sm')).metadata?.resourceVersion).toBe(afterFirst.metadata?.resourceVersion);

    // Someone else changes the pod; our object is stale: the write still lands.
    await client.pods.inNamespace('default').patch('sm', { metadata: { labels: { x: 'y' } } }, 'merge');
    expect(await sm.setPodStatus(created, { ...status, podIP: '10.1.2.4' })).toBe(true);
    expect((await get(client, 'sm')).status?.podIP).toBe('10.1.2.4');

    await client.pods.inNamespace('default').delete('sm', { gracePeriodSeconds: 0 });
    expect(await sm.setPodStatus(created, { ...status, podIP: '10.1.2.5' })).toBe(false);
  });
});
