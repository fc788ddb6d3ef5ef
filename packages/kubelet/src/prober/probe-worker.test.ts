import type { Probe } from '@mk8s/api';
import { FakeClock } from '@mk8s/client';
import { UnavailableError } from '@mk8s/cri';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProbeWorker } from './probe-worker.js';
import { ProbeResults, type ProbeType, type ResultUpdate } from './results.js';

let clock: FakeClock;
let runtime: FakeRuntime;
let results: ProbeResults;
let updates: ResultUpdate[];
let containerId: string;
let workers: ProbeWorker[];

beforeEach(async () => {
  clock = new FakeClock();
  runtime = new FakeRuntime({ timer: clock, writeLogs: false, podCidr: '10.99.1.0/24' });
  results = new ProbeResults();
  updates = [];
  results.onChange((u) => updates.push(u));
  workers = [];
  const config = { metadata: { name: 'pod', uid: 'uid-1', namespace: 'default' } };
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  ({ containerId } = await runtime.createContainer({
    podSandboxId,
    sandboxConfig: config,
    config: { metadata: { name: 'app' }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'] },
  }));
  await runtime.startContainer({ containerId });
});

afterEach(() => {
  for (const w of workers) w.stop();
  runtime.close();
});

const CHECK = ['check'];
const healthy = (ok: boolean): void => runtime.scriptExec({ argv: CHECK }, { exitCode: ok ? 0 : 1 });

interface WorkerExtras {
  started?: () => boolean;
  onFailure?: (message: string) => void;
}

function worker(type: ProbeType, probe: Partial<Probe> = {}, extra: WorkerExtras = {}): ProbeWorker {
  const w = new ProbeWorker({
    type,
    podUid: 'uid-1',
    container: { name: 'app' },
    probe: { exec: { command: CHECK }, ...probe },
    containerId,
    startedAt: clock.now(),
    podIP: () => undefined,
    runtime,
    clock,
    results,
    started: extra.started ?? (() => true),
    onFailureThreshold: extra.onFailure,
  });
  workers.push(w);
  return w;
}

const current = (type: ProbeType) => results.get('uid-1', 'app', type)?.result;

describe('ProbeWorker', () => {
  it('seeds readiness with failure, liveness with success and startup with nothing', () => {
    worker('readiness').start();
    worker('liveness').start();
    worker('startup').start();
    expect([current('readiness'), current('liveness'), current('startup')]).toEqual(['failure', 'success', undefined]);
  });

  it('waits initialDelaySeconds from the container start, then probes every periodSeconds', async () => {
    healthy(true);
    const w = worker('readiness', { initialDelaySeconds: 5, periodSeconds: 10 });
    w.start();
    await clock.advance(4_999);
    expect(w.attemptCount).toBe(0);
    await clock.advance(1);
    expect(w.attemptCount).toBe(1);
    expect(current('readiness')).toBe('success');
    await clock.advance(9_999);
    expect(w.attemptCount).toBe(1);
    await clock.advance(1);
    expect(w.attemptCount).toBe(2);
    await clock.advance(30_000);
    expect(w.attemptCount).toBe(5);
  });

  it('changes the verdict only after successThreshold / failureThreshold consecutive results', async () => {
    healthy(true);
    worker('readiness', { periodSeconds: 1, successThreshold: 2, failureThreshold: 3 }).start();
    await clock.advance(0);
    expect(current('readiness')).toBe('failure');
    await clock.advance(1_000);
    expect(current('readiness')).toBe('success');
    healthy(false);
    await clock.advance(1_000);
    healthy(true); // a success in between resets the failure run
    await clock.advance(1_000);
    healthy(false);
    await clock.advance(2_000);
    expect(current('readiness')).toBe('success');
    await clock.advance(1_000);
    expect(current('readiness')).toBe('failure');
    expect(updates.filter((u) => u.type === 'readiness').map((u) => u.result)).toEqual(['failure', 'success', 'failure']);
  });

  it('ignores attempts the runtime could not run', async () => {
    healthy(true);
    worker('readiness', { periodSeconds: 1, failureThreshold: 1 }).start();
    await clock.advance(0);
    expect(current('readiness')).toBe('success');
    runtime.scriptExec({ argv: CHECK }, { error: new UnavailableError('down') });
    await clock.advance(5_000);
    expect(current('readiness')).toBe('success');
  });

  it('reports a liveness failure once, then holds', async () => {
    healthy(false);
    const messages: string[] = [];
    const w = worker('liveness', { periodSeconds: 1, failureThreshold: 3 }, { onFailure: (m) => messages.push(m) });
    const timersBefore = clock.waiting;
    w.start();
    await clock.advance(1_000);
    expect(messages).toEqual([]);
    expect(current('liveness')).toBe('success');
    await clock.advance(1_000);
    expect(messages).toEqual(['Liveness probe failed: command ["check"] exited with 1']);
    expect(current('liveness')).toBe('failure');
    await clock.advance(10_000);
    expect(w.attemptCount).toBe(3);
    expect(messages).toHaveLength(1);
    expect(clock.waiting).toBe(timersBefore); // nothing scheduled while on hold
  });

  it('does not run liveness or readiness until started, and retires a startup probe after success', async () => {
    healthy(true);
    let started = false;
    const live = worker('liveness', { periodSeconds: 1 }, { started: () => started });
    live.start();
    await clock.advance(3_000);
    expect(live.attemptCount).toBe(0);
    started = true;
    await clock.advance(1_000);
    expect(live.attemptCount).toBe(1);

    const startup = worker('startup', { periodSeconds: 1 });
    startup.start();
    await clock.advance(5_000);
    expect(startup.attemptCount).toBe(1);
    expect(current('startup')).toBe('success');
  });

  it('runs at once on trigger and discards an attempt that returns after stop', async () => {
    healthy(true);
    const w = worker('readiness', { periodSeconds: 100 });
    w.start();
    await clock.advance(0);
    expect(w.attemptCount).toBe(1);
    w.trigger();
    await clock.advance(0);
    expect(w.attemptCount).toBe(2);

    runtime.scriptExec({ argv: CHECK }, { exitCode: 1, delayMs: 500 });
    w.trigger();
    w.stop();
    await clock.advance(1_000);
    expect(w.attemptCount).toBe(2);
    expect(current('readiness')).toBe('success');
  });
});
