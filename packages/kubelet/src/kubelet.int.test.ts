// The Kubelet end to end against a real API server in process, with the
// in-memory runtime: the node registers, a pod bound to it runs and reports
// Running with an IP, its logs come through the API server's pods/log, a
// failing liveness probe restarts its container, and deletion removes it.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from '@mk8s/api';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { buildPod, eventuallyMatches, startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubelet } from './kubelet.js';

describe('Kubelet (hollow, in-process API server)', () => {
  let cluster: TestCluster;
  let dir: string;
  let runtime: FakeRuntime;
  const ac = new AbortController();
  let running: Promise<void>;

  beforeAll(async () => {
    cluster = await startTestCluster();
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-kubelet-'));
    runtime = new FakeRuntime();
    const kubelet = new Kubelet({
      client: cluster.client,
      runtime,
      nodeName: 'node-1',
      rootDir: dir,
      port: 0,
      node: { capacity: { cpu: '2', memory: '4Gi', pods: '20' } },
      renewIntervalMs: 200,
      relistPeriodMs: 100,
      backoff: { initialMs: 100, maxMs: 400, resetMs: 60_000 },
    });
    running = kubelet.run(ac.signal);
  });
  afterAll(async () => {
    ac.abort();
    await running.catch(() => undefined);
    runtime.close();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers a Ready node that publishes its kubelet port and renews its lease', async () => {
    const node = await eventuallyMatches(
      () => cluster.client.nodes.get('node-1'),
      (n) => !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      { message: 'node Ready' },
    );
    expect(node.status?.capacity).toMatchObject({ cpu: '2', memory: '4Gi', pods: '20' });
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBeGreaterThan(0);
    const lease = await eventuallyMatches(
      () => cluster.client.leases.inNamespace('kube-node-lease').get('node-1'),
      (l) => !!l.spec?.renewTime,
      { message: 'lease' },
    );
    expect(lease.spec?.holderIdentity).toBe('node-1');
  });

  it('runs a bound pod to Running with an IP, and serves its logs through the API server', async () => {
    runtime.scriptContainer({ podName: 'web' }, { stdout: ['hello from the pod'] });
    const pods = cluster.client.pods.inNamespace('default');
    await pods.create(buildPod('web', { nodeName: 'node-1', command: ['httpd', '-f'] }));
    // The first status write may say Ready False: the prober learns of a new container from the
    // informer's copy of that write, and the next sync makes it Ready. Wait for both, not for a poll's luck.
    const pod = await eventuallyMatches(
      () => pods.get('web'),
      (p: Pod) => p.status?.phase === 'Running' && !!p.status.podIP && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
      { message: 'pod Running and Ready' },
    );
    expect(pod.status?.podIP).toMatch(/^10\.244\./);
    expect(pod.status?.hostIP).toBe('127.0.0.1');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const logs = await eventuallyMatches(
      () => cluster.client.pods.logText('default', 'web'),
      (t) => t === 'hello from the pod\n',
      { message: 'logs' },
    );
    expect(logs).toContain('hello from the pod');
    const events = await eventuallyMatches(
      () => cluster.client.events.inNamespace('default').list({ fieldSelector: 'involvedObject.name=web' }),
      (l) => ['Pulled', 'Created', 'Started'].every((r) => l.items.some((e) => e.reason === r)),
      { message: 'events' },
    );
    expect(events.items.find((e) => e.reason === 'Started')?.message).toBe('Started container main');
  });

  it('restarts a container whose liveness probe fails', async () => {
    runtime.scriptExec({ argv: ['cat', '/tmp/healthy'] }, { exitCode: 1, stderr: 'cat: /tmp/healthy: No such file\n' });
    const pod = buildPod('sick', { nodeName: 'node-1', command: ['sleep', '3600'] });
    pod.spec!.containers[0]!.livenessProbe = { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1 };
    await cluster.client.pods.inNamespace('default').create(pod);
    const restarted = await eventuallyMatches(
      () => cluster.client.pods.inNamespace('default').get('sick'),
      (p: Pod) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      { message: 'a liveness restart' },
    );
    expect(restarted.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThanOrEqual(1);
    const events = await eventuallyMatches(
      () => cluster.client.events.inNamespace('default').list({ fieldSelector: 'involvedObject.name=sick' }),
      (l) => l.items.some((e) => e.reason === 'Unhealthy'),
      { message: 'Unhealthy event' },
    );
    const unhealthy = events.items.find((e) => e.reason === 'Unhealthy')!;
    expect(unhealthy).toMatchObject({
      type: 'Warning',
      involvedObject: { fieldPath: 'spec.containers{main}' },
      source: { component: 'kubelet', host: 'node-1' },
    });
    expect(unhealthy.message).toMatch(/^Liveness probe failed: /);
  });

  it("kills an unhealthy container through its pod's worker, with the pod's grace period and Kubernetes' events", async () => {
    runtime.scriptExec({ argv: ['cat', '/tmp/ok'] }, { exitCode: 1, stderr: 'no\n' });
    const stops: Array<{ containerId: string; timeout: number | undefined }> = [];
    const stopContainer = runtime.stopContainer.bind(runtime);
    runtime.stopContainer = (req) => {
      stops.push({ containerId: req.containerId, timeout: req.timeout });
      return stopContainer(req);
    };
    try {
      const pods = cluster.client.pods.inNamespace('default');
      const pod = buildPod('graceful', { nodeName: 'node-1', command: ['sleep', '3600'] });
      pod.spec!.terminationGracePeriodSeconds = 12;
      pod.spec!.containers[0]!.livenessProbe = { exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 1, failureThreshold: 1 };
      await pods.create(pod);
      const restarted = await eventuallyMatches(
        () => pods.get('graceful'),
        (p: Pod) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
        { message: 'a liveness restart' },
      );
      const firstId = restarted.status?.containerStatuses?.[0]?.lastState?.terminated?.containerID?.replace(/^.*:\/\//, '');
      expect(stops.find((s) => s.containerId === firstId)?.timeout).toBe(12);
      const events = await eventuallyMatches(
        () => cluster.client.events.inNamespace('default').list({ fieldSelector: 'involvedObject.name=graceful' }),
        (l) => l.items.some((e) => e.reason === 'Unhealthy') && l.items.some((e) => e.reason === 'Killing'),
        { message: 'Unhealthy and Killing events' },
      );
      expect(events.items.find((e) => e.reason === 'Killing')?.message).toBe('Container main failed liveness probe, will be restarted');
      expect(events.items.find((e) => e.reason === 'Unhealthy')?.message).toBe('Liveness probe failed: no\n');
    } finally {
      runtime.stopContainer = stopContainer;
    }
  });

  it('stops a deleted pod and confirms its deletion', async () => {
    const pods = cluster.client.pods.inNamespace('default');
    const uid = (await pods.get('web')).metadata!.uid!;
    expect((await stat(path.join(dir, 'pods', uid))).isDirectory()).toBe(true);
    await pods.delete('web', { gracePeriodSeconds: 1 });
    await eventuallyMatches(
      () =>
        pods.get('web').then(
          () => false,
          () => true,
        ),
      (gone) => gone,
      { message: 'pod gone' },
    );
    const left = await runtime.listPodSandbox({});
    expect(left.items.filter((s) => s.metadata?.name === 'web' && s.state === 'SANDBOX_READY')).toEqual([]);
    await expect(stat(path.join(dir, 'pods', uid))).rejects.toThrow(/ENOENT/);
    const events = await eventuallyMatches(
      () => cluster.client.events.inNamespace('default').list({ fieldSelector: 'involvedObject.name=web' }),
      (l) => l.items.some((e) => e.reason === 'Killing'),
      { message: 'Killing event' },
    );
    expect(events.items.find((e) => e.reason === 'Killing')?.message).toBe('Stopping container main');
  });
});
