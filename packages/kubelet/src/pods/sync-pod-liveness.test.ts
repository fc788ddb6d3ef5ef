// The executor's side of a failed liveness (or startup) probe: the verdict is
// one more input of the plan, and the kill goes through the pod's sync with
// the pod's or the probe's grace period, then the restart policy applies.
import type { Pod } from '@mk8s/api';
import { FakeClock } from '@mk8s/client';
import type { StopContainerRequest } from '@mk8s/cri';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { syncAndStatus, testPod } from '../testing/test-helpers.js';
import type { FailedProbe } from './pod-actions.js';
import { PodSyncer } from './sync-pod.js';

const runtimes: FakeRuntime[] = [];
afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
});

function setup() {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ timer: clock, podCidr: '10.98.1.0/24', writeLogs: false });
  runtimes.push(runtime);
  const stops: StopContainerRequest[] = [];
  const stopContainer = runtime.stopContainer.bind(runtime);
  runtime.stopContainer = (req) => {
    stops.push(req);
    return stopContainer(req);
  };
  const events: string[] = [];
  /** The prober's verdicts: container id -> failed probe. */
  const failed = new Map<string, FailedProbe>();
  const syncer = new PodSyncer({
    runtime,
    rootDir: '/var/lib/kubelet',
    clock,
    recorder: { event: (_o, _type, reason, message) => events.push(`${reason}: ${message}`) },
    probeFailure: (_uid, _name, id) => failed.get(id),
  });
  return { clock, runtime, syncer, stops, events, failed };
}

const idOf = (pod: Pod): string => pod.status!.containerStatuses![0]!.containerID!.replace(/^.*:\/\//, '');

describe('PodSyncer: failed liveness and startup probes', () => {
  it("kills the container with the pod's terminationGracePeriodSeconds and restarts it in the same sync", async () => {
    const { clock, runtime, syncer, stops, events, failed } = setup();
    const pod = testPod('sick', { terminationGracePeriodSeconds: 45 });
    await syncAndStatus(syncer, runtime, clock, pod);
    const first = idOf(pod);
    failed.set(first, 'liveness');
    const res = await syncAndStatus(syncer, runtime, clock, pod);
    expect(stops).toEqual([{ containerId: first, timeout: 45 }]);
    expect(events).toContain('Killing: Container main failed liveness probe, will be restarted');
    const cs = pod.status!.containerStatuses![0]!;
    expect(cs.restartCount).toBe(1);
    expect(cs.state?.running).toBeDefined();
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 143 });
    expect(res.requeueAfterMs).toBeUndefined();

    // The verdict was about the old instance: the new one is left alone.
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(stops).toHaveLength(1);
  });

  it("uses the probe's own terminationGracePeriodSeconds when it has one", async () => {
    const { clock, runtime, syncer, stops, failed } = setup();
    const pod = testPod('quick', {
      terminationGracePeriodSeconds: 45,
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 4 },
        },
      ],
    });
    await syncAndStatus(syncer, runtime, clock, pod);
    failed.set(idOf(pod), 'liveness');
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(stops.map((s) => s.timeout)).toEqual([4]);
  });

  it('a second liveness kill within the backoff waits in CrashLoopBackOff', async () => {
    const { clock, runtime, syncer, stops, events, failed } = setup();
    const pod = testPod('flappy');
    await syncAndStatus(syncer, runtime, clock, pod);
    failed.set(idOf(pod), 'liveness');
    await syncAndStatus(syncer, runtime, clock, pod);
    failed.set(idOf(pod), 'liveness');
    const res = await syncAndStatus(syncer, runtime, clock, pod);
    expect(stops).toHaveLength(2);
    expect(res.requeueAfterMs).toBe(10_000);
    expect(pod.status!.containerStatuses![0]!.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(events.filter((e) => e.startsWith('BackOff: '))).toHaveLength(1);
    await clock.advance(10_000);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(pod.status!.containerStatuses![0]).toMatchObject({ restartCount: 2, state: { running: expect.anything() } });
  });

  it('under restartPolicy Never the container is killed and not restarted: the pod fails', async () => {
    const { clock, runtime, syncer, events, failed } = setup();
    const pod = testPod('once', { restartPolicy: 'Never' });
    await syncAndStatus(syncer, runtime, clock, pod);
    failed.set(idOf(pod), 'startup');
    await syncAndStatus(syncer, runtime, clock, pod);
    await syncAndStatus(syncer, runtime, clock, pod);
    expect(events).toContain('Killing: Container main failed startup probe');
    expect(runtime.callCount('createContainer')).toBe(1);
    expect(pod.status!.phase).toBe('Failed');
  });
});
