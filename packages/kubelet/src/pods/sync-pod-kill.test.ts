// Every container kill goes through one path (termination.ts killContainer,
// Kubernetes' killContainer): the Killing event, the container's preStop hook
// bounded by the kill's grace period, then the stop with what is left of it;
// whatever the reason (a failed liveness probe, a changed image, the pod
// terminating, a failed postStart hook).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Container, Pod } from '@mk8s/api';
import { FakeClock } from '@mk8s/client';
import type { ExecSyncRequest, ExecSyncResponse, StopContainerRequest } from '@mk8s/cri';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { syncAndStatus, testPod } from '../testing/test-helpers.js';
import type { FailedProbe } from './pod-actions.js';
import { getRuntimePodStatus } from './runtime-pod.js';
import { PodSyncer } from './sync-pod.js';

const runtimes: FakeRuntime[] = [];
const servers: http.Server[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) r.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function setup(opts: { hostIP?: string } = {}) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ timer: clock, podCidr: '10.98.2.0/24', writeLogs: false });
  runtimes.push(runtime);
  /** The runtime calls that matter here, in order: `exec <argv>` and `stop <id> <timeout>` (with the clock's offset). */
  const calls: string[] = [];
  const t0 = clock.now();
  const at = (): string => `@${(clock.now() - t0) / 1000}s`;
  const execSync = runtime.execSync.bind(runtime);
  runtime.execSync = (req: ExecSyncRequest): Promise<ExecSyncResponse> => {
    calls.push(`exec ${(req.cmd ?? []).join(' ')} ${at()}`);
    return execSync(req);
  };
  const stops: StopContainerRequest[] = [];
  const stopContainer = runtime.stopContainer.bind(runtime);
  runtime.stopContainer = (req) => {
    stops.push(req);
    calls.push(`stop ${req.containerId} ${req.timeout} ${at()}`);
    return stopContainer(req);
  };
  const events: string[] = [];
  /** The prober's verdicts: container id -> failed probe. */
  const failed = new Map<string, FailedProbe>();
  const syncer = new PodSyncer({
    runtime,
    rootDir: '/var/lib/kubelet',
    clock,
    ...opts,
    recorder: { event: (_o, _type, reason, message) => events.push(`${reason}: ${message}`) },
    probeFailure: (_uid, _name, id) => failed.get(id),
  });
  /** One sync that may wait on the clock (a preStop hook): started, the clock moved by `advanceMs`, then awaited. */
  const syncWhile = async (pod: Pod, advanceMs: number): Promise<void> => {
    const p = syncer.sync(pod, await getRuntimePodStatus(runtime, pod.metadata!.uid!));
    await clock.advance(advanceMs);
    await p;
  };
  return { clock, runtime, syncer, calls, stops, events, failed, syncWhile };
}

const idOf = (pod: Pod): string => pod.status!.containerStatuses![0]!.containerID!.replace(/^.*:\/\//, '');

function withPreStop(preStop: NonNullable<Container['lifecycle']>['preStop'], extra: Partial<Container> = {}): Container {
  return { name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], lifecycle: { preStop }, ...extra };
}

describe('PodSyncer: every container kill runs preStop first', () => {
  it('a liveness kill runs the exec preStop hook, then stops the container with the grace period left', async () => {
    const { clock, runtime, syncer, calls, events, failed, syncWhile } = setup();
    runtime.scriptExec({ argv: ['/bin/drain'] }, { delayMs: 3_000 });
    const pod = testPod('drain', { terminationGracePeriodSeconds: 45, containers: [withPreStop({ exec: { command: ['/bin/drain'] } })] });
    await syncAndStatus(syncer, runtime, clock, pod);
    const first = idOf(pod);
    failed.set(first, 'liveness');

    await syncWhile(pod, 3_000);
    // The hook took 3 s of the 45: the stop gets 42, and only after the hook.
    expect(calls).toEqual(['exec /bin/drain @0s', `stop ${first} 42 @3s`]);
    expect(events).toContain('Killing: Container main failed liveness probe, will be restarted');
    expect(events.some((e) => e.startsWith('FailedPreStopHook'))).toBe(false);
    // Restarted in the same sync, as without a hook.
    expect(runtime.callCount('createContainer')).toBe(2);
  });

  it('an image change runs the httpGet preStop hook (default host: the pod IP, here the node for hostNetwork) before the stop', async () => {
    const order: string[] = [];
    const server = http.createServer((req, res) => {
      order.push(`GET ${req.url}`);
      res.end('ok');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const { clock, runtime, syncer, calls, events } = setup({ hostIP: '127.0.0.1' });
    runtime.addImage('nginx:1.25');
    const pod = testPod('web', {
      hostNetwork: true,
      terminationGracePeriodSeconds: 20,
      containers: [withPreStop({ httpGet: { path: '/drain', port: 'http' } }, { ports: [{ name: 'http', containerPort: port }] })],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    const first = idOf(pod);
    const stopContainer = runtime.stopContainer;
    runtime.stopContainer = (req) => {
      order.push('stop');
      return stopContainer(req);
    };

    pod.spec!.containers[0]!.image = 'nginx:1.25';
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(order).toEqual(['GET /drain', 'stop']);
    expect(calls).toEqual([`stop ${first} 20 @0s`]);
    expect(events).toContain('Killing: Container main definition changed, will be restarted');
    expect(pod.status!.containerStatuses![0]).toMatchObject({ image: 'nginx:1.25', restartCount: 1, state: { running: expect.anything() } });
  });

  it("a hung preStop hook is abandoned when the kill's grace period (the probe's terminationGracePeriodSeconds) runs out", async () => {
    const { clock, runtime, syncer, calls, failed } = setup();
    const pod = testPod('hung', {
      terminationGracePeriodSeconds: 30,
      containers: [withPreStop({ exec: { command: ['/bin/hang'] } }, { livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 4 } })],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    const first = idOf(pod);
    // A runtime that never answers this exec (it ignores the exec's own timeout): the call is recorded, its answer never comes.
    const execSync = runtime.execSync;
    runtime.execSync = (req) => {
      const answer = execSync(req);
      if (req.cmd?.[0] !== '/bin/hang') return answer;
      answer.catch(() => undefined);
      return new Promise<never>(() => {});
    };
    failed.set(first, 'liveness');

    const p = syncer.sync(pod, await getRuntimePodStatus(runtime, pod.metadata!.uid!));
    let done = false;
    void p.then(() => (done = true));
    await clock.advance(3_999);
    expect(done).toBe(false);
    expect(calls).toEqual(['exec /bin/hang @0s']);
    await clock.advance(1);
    await p;
    // Nothing of the 4 s is left: SIGKILL at once.
    expect(calls).toEqual(['exec /bin/hang @0s', `stop ${first} 0 @4s`]);
    expect(runtime.callCount('createContainer')).toBe(2);
  });

  it('a failing preStop hook records FailedPreStopHook and the container is stopped all the same', async () => {
    const { clock, runtime, syncer, calls, events, failed } = setup();
    runtime.scriptExec({ argv: ['/bin/drain'] }, { exitCode: 1, stderr: 'secret=hunter2\n', delayMs: 1_500 });
    const pod = testPod('fails', { terminationGracePeriodSeconds: 10, containers: [withPreStop({ exec: { command: ['/bin/drain'] } })] });
    await syncAndStatus(syncer, runtime, clock, pod);
    const first = idOf(pod);
    failed.set(first, 'startup');
    const p = syncer.sync(pod, await getRuntimePodStatus(runtime, pod.metadata!.uid!));
    await clock.advance(1_500);
    await p;
    // Whole seconds are subtracted, as Kubernetes does: 1.5 s used leaves 9.
    expect(calls).toEqual(['exec /bin/drain @0s', `stop ${first} 9 @1.5s`]);
    // Killing first, then the hook's failure, without its output (Kubernetes keeps it out of the Event).
    expect(events.filter((e) => /^(Killing|FailedPreStopHook)/.test(e))).toEqual([
      'Killing: Container main failed startup probe, will be restarted',
      'FailedPreStopHook: PreStopHook failed',
    ]);
  });

  it('a container without preStop is stopped at once with the whole grace period', async () => {
    const { clock, runtime, syncer, calls, failed } = setup();
    const pod = testPod('plain', { terminationGracePeriodSeconds: 45 });
    await syncAndStatus(syncer, runtime, clock, pod);
    const first = idOf(pod);
    failed.set(first, 'liveness');
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(calls).toEqual([`stop ${first} 45 @0s`]);
    expect(runtime.callCount('execSync')).toBe(0);
  });

  it('a pod being deleted runs preStop within its deletion grace period (sleep handler)', async () => {
    const { clock, runtime, syncer, calls, events } = setup();
    const pod = testPod('bye', { terminationGracePeriodSeconds: 30, containers: [withPreStop({ sleep: { seconds: 3 } })] });
    await syncAndStatus(syncer, runtime, clock, pod);
    const first = idOf(pod);
    pod.metadata = { ...pod.metadata, deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 10 };
    const p = syncer.terminate(pod, await getRuntimePodStatus(runtime, pod.metadata.uid!));
    await clock.advance(3_000);
    await p;
    expect(calls).toEqual([`stop ${first} 7 @3s`]);
    expect(events).toContain('Killing: Stopping container main');
  });

  it('a failed postStart hook kills the container through the same path: Killing FailedPostStartHook, preStop first', async () => {
    const { clock, runtime, syncer, calls, events } = setup();
    runtime.scriptExec({ argv: ['/bin/init'] }, { exitCode: 1 });
    const pod = testPod('post', {
      terminationGracePeriodSeconds: 12,
      containers: [
        withPreStop(
          { exec: { command: ['/bin/drain'] } },
          { lifecycle: { postStart: { exec: { command: ['/bin/init'] } }, preStop: { exec: { command: ['/bin/drain'] } } } },
        ),
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    const id = (await getRuntimePodStatus(runtime, pod.metadata!.uid!)).containers[0]!.id;
    expect(calls).toEqual(['exec /bin/init @0s', 'exec /bin/drain @0s', `stop ${id} 12 @0s`]);
    expect(events.filter((e) => /Hook|^Killing/.test(e))).toEqual([
      'FailedPostStartHook: PostStartHook failed: command ["/bin/init"] exited with 1',
      'Killing: FailedPostStartHook',
    ]);
  });

  it('a container still running in a dead sandbox is killed with preStop too (Stopping container)', async () => {
    const { clock, runtime, syncer, calls, events } = setup();
    const pod = testPod('sb', { terminationGracePeriodSeconds: 8, containers: [withPreStop({ exec: { command: ['/bin/drain'] } })] });
    await syncAndStatus(syncer, runtime, clock, pod);
    const first = idOf(pod);
    // The sandbox dies under a container that still runs (the fake would stop its containers with it).
    const dead = (await getRuntimePodStatus(runtime, pod.metadata!.uid!)).sandboxes[0]!.id;
    const podSandboxStatus = runtime.podSandboxStatus.bind(runtime);
    runtime.podSandboxStatus = async (req) => {
      const res = await podSandboxStatus(req);
      return req.podSandboxId === dead ? { ...res, status: { ...res.status, state: 'SANDBOX_NOTREADY' } } : res;
    };
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(calls).toEqual(['exec /bin/drain @0s', `stop ${first} 8 @0s`]);
    expect(events).toContain('Killing: Stopping container main');
    expect(runtime.callCount('runPodSandbox')).toBe(2);
  });
});
