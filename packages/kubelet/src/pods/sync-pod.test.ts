import { FakeClock } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { getRuntimePodStatus } from './runtime-pod.js';
import { PodSyncer } from './sync-pod.js';
import { syncAndStatus, testPod } from '../testing/test-helpers.js';

function setup(opts: { images?: string[] } = {}) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ timer: clock, podCidr: '10.99.0.0/24', writeLogs: false, images: opts.images });
  const syncer = new PodSyncer({ runtime, rootDir: '/var/lib/kubelet', clock, hostIP: '192.168.1.10' });
  runtimes.push(runtime);
  return { clock, runtime, syncer };
}
const runtimes: FakeRuntime[] = [];
afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
});

describe('PodSyncer', () => {
  it('creates the sandbox and starts containers: Running with a pod IP', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('web', {
      containers: [
        {
          name: 'web',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
          workingDir: '/srv',
          ports: [{ containerPort: 8080, hostPort: 30080 }],
          env: [
            { name: 'GREETING', value: 'hi' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          ],
        },
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    const uid = pod.metadata!.uid!;
    const st = pod.status!;
    expect(st.phase).toBe('Running');
    expect(st.podIP).toMatch(/^10\.99\.0\.\d+$/);
    expect(st.podIPs).toEqual([{ ip: st.podIP }]);
    expect(st.startTime).toBe('2026-01-01T00:00:00Z');
    const cs = st.containerStatuses![0]!;
    expect(cs).toMatchObject({ name: 'web', ready: true, started: true, restartCount: 0, image: 'busybox:latest' });
    expect(cs.state?.running?.startedAt).toBe('2026-01-01T00:00:00Z');
    expect(cs.containerID).toMatch(/^mk8s-fake:\/\/[0-9a-f]+$/);
    expect(cs.imageID).toMatch(/^sha256:/);
    expect(Object.fromEntries(st.conditions!.map((c) => [c.type, c.status]))).toEqual({
      PodScheduled: 'True',
      Initialized: 'True',
      ContainersReady: 'True',
      Ready: 'True',
    });
    expect(st.qosClass).toBe('BestEffort');

    const rs = await getRuntimePodStatus(runtime, uid);
    const sb = runtime.sandboxConfig(rs.sandboxes[0]!.id)!;
    expect(sb.metadata).toEqual({ name: 'web', namespace: 'default', uid, attempt: 0 });
    expect(sb.hostname).toBe('web');
    expect(sb.logDirectory).toBe(`/var/lib/kubelet/pods/${uid}`);
    expect(sb.labels).toMatchObject({ 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid });
    expect(sb.portMappings).toEqual([{ containerPort: 8080, hostPort: 30080, protocol: 'TCP' }]);
    const cc = runtime.containerConfig(rs.containers[0]!.id)!;
    expect(cc.metadata).toEqual({ name: 'web', attempt: 0 });
    expect(cc.logPath).toBe('web/0.log');
    expect(cc.workingDir).toBe('/srv');
    expect(cc.labels).toMatchObject({ 'io.kubernetes.container.name': 'web', 'io.kubernetes.pod.uid': uid });
    expect(Object.fromEntries((cc.envs ?? []).map((e) => [e.key, e.value]))).toEqual({
      GREETING: 'hi',
      POD_NAME: 'web',
      POD_NS: 'default',
      POD_UID: uid,
      POD_IP: st.podIP,
      NODE: 'node-1',
    });

    // A second sync changes nothing.
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(runtime.callCount('runPodSandbox')).toBe(1);
    expect(runtime.callCount('createContainer')).toBe(1);
  });

  it('expands $(VAR) in command and args', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('exp', {
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['echo', '$(A)', '$$(A)'],
          args: ['$(MISSING)'],
          env: [{ name: 'A', value: 'x' }],
        },
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    const rs = await getRuntimePodStatus(runtime, pod.metadata!.uid!);
    const cc = runtime.containerConfig(rs.containers[0]!.id)!;
    expect(cc.command).toEqual(['echo', 'x', '$(A)']);
    expect(cc.args).toEqual(['$(MISSING)']);
  });

  it('restarts a failing container under Always, with CrashLoopBackOff of 10 s, 20 s, 40 s', async () => {
    const { clock, runtime, syncer } = setup();
    runtime.scriptContainer({ containerName: 'main' }, { exitCode: 1 });
    const pod = testPod('web');
    const uid = pod.metadata!.uid!;
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });

    // First restart is immediate.
    let res = await syncAndStatus(syncer, runtime, clock, pod);
    expect(res.requeueAfterMs).toBeUndefined();
    expect(pod.status!.containerStatuses![0]!.restartCount).toBe(1);
    expect(pod.status!.phase).toBe('Running');

    for (const delay of [10_000, 20_000, 40_000]) {
      const before = runtime.callCount('createContainer');
      res = await syncAndStatus(syncer, runtime, clock, pod);
      expect(res.requeueAfterMs).toBe(delay);
      const cs = pod.status!.containerStatuses![0]!;
      expect(cs.state?.waiting).toEqual({
        reason: 'CrashLoopBackOff',
        message: `back-off ${delay / 1000}s restarting failed container=main pod=web_default(${uid})`,
      });
      expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
      expect(cs.ready).toBe(false);
      expect(pod.status!.conditions!.find((c) => c.type === 'Ready')?.status).toBe('False');

      await clock.advance(delay - 1);
      await syncAndStatus(syncer, runtime, clock, pod);
      expect(runtime.callCount('createContainer')).toBe(before);
      await clock.advance(1);
      await syncAndStatus(syncer, runtime, clock, pod);
      expect(runtime.callCount('createContainer')).toBe(before + 1);
    }
    expect(pod.status!.containerStatuses![0]!.restartCount).toBe(4);
    // Old attempts are removed: the current one and the one it replaced remain.
    const rs = await getRuntimePodStatus(runtime, uid);
    expect(rs.containers.map((c) => c.metadata.attempt)).toEqual([4, 3]);
  });

  it('caps the backoff and resets it after 10 minutes of clean running', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime({ timer: clock, podCidr: '10.99.1.0/24', writeLogs: false });
    runtimes.push(runtime);
    const syncer = new PodSyncer({ runtime, rootDir: '/r', clock, backoff: { initialMs: 1000, maxMs: 4000 } });
    runtime.scriptContainer({ containerName: 'main' }, { exitCode: 2 });
    const pod = testPod('cap');
    await syncAndStatus(syncer, runtime, clock, pod);
    await syncAndStatus(syncer, runtime, clock, pod); // immediate restart
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await syncAndStatus(syncer, runtime, clock, pod);
      delays.push(res.requeueAfterMs ?? 0);
      await clock.advance(res.requeueAfterMs ?? 0);
      await syncAndStatus(syncer, runtime, clock, pod);
    }
    expect(delays).toEqual([1000, 2000, 4000, 4000]);

    // The next attempt runs 11 minutes before failing: its crash restarts at once.
    const res = await syncAndStatus(syncer, runtime, clock, pod);
    runtime.scriptContainer({ containerName: 'main' }, { exitCode: 2, runForMs: 11 * 60_000 });
    await clock.advance(res.requeueAfterMs!);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.containerStatuses![0]!.state?.running).toBeDefined();
    await clock.advance(11 * 60_000);
    const before = runtime.callCount('createContainer');
    const after = await syncAndStatus(syncer, runtime, clock, pod);
    expect(after.requeueAfterMs).toBeUndefined();
    expect(runtime.callCount('createContainer')).toBe(before + 1);
  });

  it('OnFailure: exit 0 is Succeeded and not restarted; the sandbox is stopped', async () => {
    const { clock, runtime, syncer } = setup();
    runtime.scriptContainer({ containerName: 'main' }, { exitCode: 0 });
    const pod = testPod('job', { restartPolicy: 'OnFailure' });
    await syncAndStatus(syncer, runtime, clock, pod);
    const podIP = pod.status!.podIP;
    expect(pod.status!.phase).toBe('Succeeded');
    await syncAndStatus(syncer, runtime, clock, pod);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(runtime.callCount('createContainer')).toBe(1);
    const cs = pod.status!.containerStatuses![0]!;
    expect(cs.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cs.restartCount).toBe(0);
    expect(pod.status!.podIP).toBe(podIP);
    const rs = await getRuntimePodStatus(runtime, pod.metadata!.uid!);
    expect(rs.sandboxes[0]!.state).toBe('SANDBOX_NOTREADY');
    expect(pod.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  it('OnFailure: a non-zero exit is restarted', async () => {
    const { clock, runtime, syncer } = setup();
    runtime.scriptContainer({ containerName: 'main' }, { exitCode: 3 });
    const pod = testPod('job2', { restartPolicy: 'OnFailure' });
    await syncAndStatus(syncer, runtime, clock, pod);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(runtime.callCount('createContainer')).toBe(2);
    expect(pod.status!.phase).toBe('Running');
  });

  it('Never: exit 1 is Failed and not restarted', async () => {
    const { clock, runtime, syncer } = setup();
    runtime.scriptContainer({ containerName: 'main' }, { exitCode: 1 });
    const pod = testPod('once', { restartPolicy: 'Never' });
    await syncAndStatus(syncer, runtime, clock, pod);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.phase).toBe('Failed');
    expect(runtime.callCount('createContainer')).toBe(1);
    expect(pod.status!.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  });

  it('reports OOMKilled as the termination reason', async () => {
    const { clock, runtime, syncer } = setup();
    runtime.scriptContainer({ containerName: 'main' }, { exitCode: 137, reason: 'OOMKilled' });
    const pod = testPod('oom', { restartPolicy: 'Never' });
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('runs init containers in order, each to completion, before app containers', async () => {
    const { clock, runtime, syncer } = setup();
    runtime.scriptContainer({ containerName: 'init-a' }, { exitCode: 0, runForMs: 5000 });
    runtime.scriptContainer({ containerName: 'init-b' }, { exitCode: 0, runForMs: 5000 });
    const pod = testPod('init', {
      initContainers: [
        { name: 'init-a', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent' },
        { name: 'init-b', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent' },
      ],
    });
    const names = async (): Promise<string[]> =>
      (await runtime.listContainers({})).containers.sort((a, b) => a.createdAt - b.createdAt).map((c) => c.metadata.name);

    await syncAndStatus(syncer, runtime, clock, pod);
    expect(await names()).toEqual(['init-a']);
    expect(pod.status!.phase).toBe('Pending');
    expect(pod.status!.conditions!.find((c) => c.type === 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [init-a init-b]',
    });
    expect(pod.status!.containerStatuses![0]!.state?.waiting?.reason).toBe('PodInitializing');
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(await names()).toEqual(['init-a']);

    await clock.advance(5000);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(await names()).toEqual(['init-a', 'init-b']);
    await clock.advance(5000);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(await names()).toEqual(['init-a', 'init-b', 'main']);
    expect(pod.status!.phase).toBe('Running');
    expect(pod.status!.initContainerStatuses!.map((s) => s.state?.terminated?.reason)).toEqual(['Completed', 'Completed']);
    expect(pod.status!.conditions!.find((c) => c.type === 'Initialized')?.status).toBe('True');
  });

  it('a failing init container is retried with backoff under Always and fails the pod under Never', async () => {
    const a = setup();
    a.runtime.scriptContainer({ containerName: 'init' }, { exitCode: 1 });
    const initSpec = { initContainers: [{ name: 'init', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent' }] };
    const p1 = testPod('ia', initSpec);
    await syncAndStatus(a.syncer, a.runtime, a.clock, p1);
    await syncAndStatus(a.syncer, a.runtime, a.clock, p1);
    const res = await syncAndStatus(a.syncer, a.runtime, a.clock, p1);
    expect(res.requeueAfterMs).toBe(10_000);
    expect(p1.status!.phase).toBe('Pending');
    expect(p1.status!.initContainerStatuses![0]!.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect((await a.runtime.listContainers({})).containers.every((c) => c.metadata.name === 'init')).toBe(true);

    const b = setup();
    b.runtime.scriptContainer({ containerName: 'init' }, { exitCode: 1 });
    const p2 = testPod('ib', { ...initSpec, restartPolicy: 'Never' });
    await syncAndStatus(b.syncer, b.runtime, b.clock, p2);
    await syncAndStatus(b.syncer, b.runtime, b.clock, p2);
    expect(p2.status!.phase).toBe('Failed');
    expect(b.runtime.callCount('createContainer')).toBe(1);
  });

  it('kills and recreates a container whose image changed', async () => {
    const { clock, runtime, syncer } = setup();
    runtime.addImage('nginx:1.25');
    const pod = testPod('img');
    await syncAndStatus(syncer, runtime, clock, pod);
    const firstId = pod.status!.containerStatuses![0]!.containerID;
    pod.spec!.containers[0]!.image = 'nginx:1.25';
    await syncAndStatus(syncer, runtime, clock, pod);
    const cs = pod.status!.containerStatuses![0]!;
    expect(cs.containerID).not.toBe(firstId);
    expect(cs.state?.running).toBeDefined();
    expect(cs.image).toBe('nginx:1.25');
    expect(cs.restartCount).toBe(1);
    expect(cs.lastState?.terminated?.containerID).toBe(firstId);
    expect(runtime.callCount('stopContainer')).toBe(1);
  });

  it('imagePullPolicy Never with an absent image waits with ErrImageNeverPull', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('never', { containers: [{ name: 'main', image: 'absent:1.0', imagePullPolicy: 'Never' }] });
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.phase).toBe('Pending');
    expect(pod.status!.containerStatuses![0]!.state?.waiting).toEqual({
      reason: 'ErrImageNeverPull',
      message: 'Container image "absent:1.0" is not present with pull policy of Never',
    });
    expect(runtime.callCount('pullImage')).toBe(0);
    runtime.addImage('absent:1.0');
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.phase).toBe('Running');
  });

  it('a failed pull is ErrImagePull, then ImagePullBackOff until the backoff ends', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('pull', { containers: [{ name: 'main', image: 'remote/app:2.0' }] });
    let res = await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.containerStatuses![0]!.state?.waiting?.reason).toBe('ErrImagePull');
    expect(res.requeueAfterMs).toBe(10_000);
    res = await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.containerStatuses![0]!.state?.waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "remote/app:2.0"' });
    expect(runtime.callCount('pullImage')).toBe(1);
    await clock.advance(10_000);
    res = await syncAndStatus(syncer, runtime, clock, pod);
    expect(runtime.callCount('pullImage')).toBe(2);
    expect(pod.status!.containerStatuses![0]!.state?.waiting?.reason).toBe('ErrImagePull');
    expect(res.requeueAfterMs).toBe(20_000);
    runtime.allowPull('remote/app:2.0');
    await clock.advance(20_000);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.phase).toBe('Running');
  });

  it('a missing ConfigMap is CreateContainerConfigError without an API client', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('cm', {
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'x' } } }],
        },
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.containerStatuses![0]!.state?.waiting?.reason).toBe('CreateContainerConfigError');
    expect(runtime.callCount('createContainer')).toBe(0);
  });

  it('adopts what runs: a new syncer restarts nothing and keeps restart counts', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('adopt');
    await syncAndStatus(syncer, runtime, clock, pod);
    const rs = await getRuntimePodStatus(runtime, pod.metadata!.uid!);
    runtime.exitContainer(rs.containers[0]!.id, 1);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.containerStatuses![0]!.restartCount).toBe(1);
    const id = pod.status!.containerStatuses![0]!.containerID;

    const fresh = new PodSyncer({ runtime, rootDir: '/var/lib/kubelet', clock });
    const restarted = structuredClone(pod);
    delete restarted.status;
    await syncAndStatus(fresh, runtime, clock, restarted);
    expect(runtime.callCount('runPodSandbox')).toBe(1);
    expect(runtime.callCount('createContainer')).toBe(2);
    expect(restarted.status!.containerStatuses![0]).toMatchObject({ restartCount: 1, containerID: id, ready: true });
    expect(restarted.status!.phase).toBe('Running');
  });

  it('recreates a sandbox that died, restarting the containers in it', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('sbdie');
    await syncAndStatus(syncer, runtime, clock, pod);
    const rs = await getRuntimePodStatus(runtime, pod.metadata!.uid!);
    await runtime.stopPodSandbox({ podSandboxId: rs.sandboxes[0]!.id });
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(runtime.callCount('runPodSandbox')).toBe(2);
    const after = await getRuntimePodStatus(runtime, pod.metadata!.uid!);
    expect(after.sandboxes[0]!.metadata.attempt).toBe(1);
    expect(pod.status!.phase).toBe('Running');
    expect(pod.status!.containerStatuses![0]!.restartCount).toBe(1);
  });
});
