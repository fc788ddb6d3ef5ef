import { FakeClock } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { getRuntimePodStatus } from './runtime-pod.js';
import { generatePodStatus } from './status.js';
import { PodSyncer } from './sync-pod.js';
import { syncAndStatus, testPod } from '../testing/test-helpers.js';

interface Recorded {
  type: string;
  reason: string;
  message: string;
  fieldPath: string | undefined;
}

const runtimes: FakeRuntime[] = [];
afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
});

function setup() {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ timer: clock, podCidr: '10.98.0.0/24', writeLogs: false });
  runtimes.push(runtime);
  const events: Recorded[] = [];
  const syncer = new PodSyncer({
    runtime,
    rootDir: '/var/lib/kubelet',
    clock,
    hostIP: '192.168.1.10',
    recorder: { event: (_o, type, reason, message, fieldPath) => events.push({ type, reason, message, fieldPath }) },
  });
  return { clock, runtime, syncer, events };
}

describe('PodSyncer: securityContext', () => {
  it('passes the merged security context to the runtime, which applies it', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('sec', {
      securityContext: {
        runAsUser: 1000,
        runAsGroup: 3000,
        fsGroup: 2000,
        supplementalGroups: [4000],
        sysctls: [{ name: 'net.ipv4.ping_group_range', value: '0 1' }],
      },
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
          securityContext: { runAsUser: 1001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status?.phase).toBe('Running');
    const rs = await getRuntimePodStatus(runtime, pod.metadata!.uid!);
    const sb = runtime.sandboxConfig(rs.sandboxes[0]!.id)!;
    expect(sb.linux?.sysctls).toEqual({ 'net.ipv4.ping_group_range': '0 1' });
    expect(sb.linux?.securityContext).toMatchObject({ runAsUser: { value: 1000 }, runAsGroup: { value: 3000 }, supplementalGroups: [2000, 4000] });
    const id = rs.containers[0]!.id;
    expect(runtime.containerConfig(id)?.linux?.securityContext).toMatchObject({
      runAsUser: { value: 1001 },
      runAsGroup: { value: 3000 },
      supplementalGroups: [2000, 4000],
      noNewPrivs: true,
      readonlyRootfs: true,
      capabilities: { dropCapabilities: ['ALL'] },
      seccomp: { profileType: 'RuntimeDefault' },
    });
    const out = async (cmd: string[]) => Buffer.from((await runtime.execSync({ containerId: id, cmd })).stdout).toString();
    expect(await out(['id', '-u'])).toBe('1001\n');
    expect(await out(['id', '-G'])).toBe('3000 2000 4000\n');
    expect(await out(['cat', '/proc/self/status'])).toMatch(/NoNewPrivs:\t1/);
  });

  it('refuses runAsNonRoot with a root image: CreateContainerConfigError and a Failed event, nothing created', async () => {
    const { clock, runtime, syncer, events } = setup();
    const pod = testPod('nonroot', { securityContext: { runAsNonRoot: true } });
    await syncAndStatus(syncer, runtime, clock, pod);
    const message = `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${pod.metadata!.uid})", container: main)`;
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting).toEqual({ reason: 'CreateContainerConfigError', message });
    expect(runtime.callCount('createContainer')).toBe(0);
    expect(events).toContainEqual({ type: 'Warning', reason: 'Failed', message: `Error: ${message}`, fieldPath: 'spec.containers{main}' });
  });

  it('runs runAsNonRoot with an image whose user is not root, and refuses one with a user name', async () => {
    const { clock, runtime, syncer } = setup();
    runtime.addImage('example.com/app:1', undefined, '65532:65532');
    runtime.addImage('example.com/named:1', undefined, 'app');
    const pod = testPod('img', {
      securityContext: { runAsNonRoot: true },
      containers: [
        { name: 'numeric', image: 'example.com/app:1', command: ['sleep', '3600'] },
        { name: 'named', image: 'example.com/named:1', command: ['sleep', '3600'] },
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    const byName = Object.fromEntries((pod.status?.containerStatuses ?? []).map((s) => [s.name, s.state]));
    expect(byName['numeric']?.running).toBeDefined();
    expect(byName['named']?.waiting).toMatchObject({
      reason: 'CreateContainerConfigError',
      message: expect.stringContaining('image has non-numeric user (app)'),
    });
  });

  it('refuses a container whose securityContext cannot be honoured, without dropping it', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('bad', {
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
          securityContext: { privileged: true, allowPrivilegeEscalation: false },
        },
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting).toMatchObject({
      reason: 'CreateContainerConfigError',
      message: expect.stringContaining('allowPrivilegeEscalation'),
    });
    expect(runtime.callCount('createContainer')).toBe(0);
  });

  it('surfaces a security context the runtime refuses as CreateContainerError', async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('caps', {
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
          securityContext: { capabilities: { add: ['NOT_A_CAP'] } },
        },
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting).toMatchObject({
      reason: 'CreateContainerError',
      message: expect.stringContaining('unknown capability'),
    });
  });

  it("puts hostNetwork, hostPID and hostIPC into the namespaces; a hostNetwork pod's IP is the node's", async () => {
    const { clock, runtime, syncer } = setup();
    const pod = testPod('host', { hostNetwork: true, hostPID: true, hostIPC: true });
    await syncAndStatus(syncer, runtime, clock, pod);
    const rs = await getRuntimePodStatus(runtime, pod.metadata!.uid!);
    expect(rs.sandboxes[0]?.network?.ip).toBe('');
    pod.status = generatePodStatus({ pod, runtimeStatus: rs, now: clock.now(), runtimeName: 'mk8s-fake', hostIP: '192.168.1.10' });
    expect(runtime.sandboxConfig(rs.sandboxes[0]!.id)?.linux?.securityContext?.namespaceOptions).toEqual({ network: 'NODE', pid: 'NODE', ipc: 'NODE' });
    expect(runtime.containerConfig(rs.containers[0]!.id)?.linux?.securityContext?.namespaceOptions).toEqual({ network: 'NODE', pid: 'NODE', ipc: 'NODE' });
    expect(pod.status?.podIP).toBe('192.168.1.10');
    expect(pod.status?.podIPs).toEqual([{ ip: '192.168.1.10' }]);
  });

  it('records FailedCreatePodSandBox when the runtime refuses the sandbox', async () => {
    const { clock, runtime, syncer, events } = setup();
    runtime.injectError('runPodSandbox', new Error('sysctl "kernel.panic" is not namespaced'));
    const pod = testPod('sysctl');
    await expect(syncAndStatus(syncer, runtime, clock, pod)).rejects.toThrow(/not namespaced/);
    expect(events).toContainEqual({
      type: 'Warning',
      reason: 'FailedCreatePodSandBox',
      message: 'Failed to create pod sandbox: sysctl "kernel.panic" is not namespaced',
      fieldPath: undefined,
    });
  });
});
