import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeLeaseStore, fakeApiError } from './fake-lease-client.js';
import type { LeaderElectionEnd } from './leader-elector.js';
import { runLeaderElection, type RunLeaderElectionOptions } from './run-or-die.js';

function setup(over: Partial<RunLeaderElectionOptions> = {}) {
  const clock = new FakeClock();
  const store = new FakeLeaseStore(clock);
  const client = store.client();
  const abort = new AbortController();
  const signals: AbortSignal[] = [];
  let outcome: LeaderElectionEnd | undefined;
  const done = runLeaderElection({
    lock: { client, namespace: 'kube-system', name: 'kube-controller-manager', identity: 'cm-1' },
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
    signal: abort.signal,
    callbacks: { onStartedLeading: (s) => void signals.push(s) },
    ...over,
  }).then((end) => {
    outcome = end;
    return end;
  });
  return { clock, store, client, abort, signals, done, outcome: () => outcome };
}

describe('runLeaderElection', () => {
  it('resolves lost once leadership is lost, with no onStoppedLeading needed', async () => {
    const s = setup();
    await s.clock.advance(5_000);
    expect(s.signals).toHaveLength(1);
    s.client.fail = () => fakeApiError(503, 'ServiceUnavailable', 'apiserver down');
    await s.clock.advance(15_000);
    expect(s.outcome()).toBe('lost');
    expect(s.signals[0]?.aborted).toBe(true);
  });

  it('resolves cancelled on shutdown and releases with releaseOnCancel', async () => {
    let stopped = 0;
    const s = setup({ releaseOnCancel: true, callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => void stopped++ } });
    await s.clock.advance(5_000);
    s.abort.abort();
    await expect(s.done).resolves.toBe('cancelled');
    expect(stopped).toBe(1);
    expect(s.store.read('kube-system', 'kube-controller-manager')?.spec?.holderIdentity).toBe('');
  });

  it('resolves cancelled when shut down before ever leading', async () => {
    const s = setup();
    s.client.fail = () => fakeApiError(500, 'InternalError', 'boom');
    await s.clock.advance(10_000);
    s.abort.abort();
    await expect(s.done).resolves.toBe('cancelled');
    expect(s.signals).toEqual([]);
  });

  it('rejects invalid options', async () => {
    const client = new FakeLeaseStore().client();
    const lock = { client, namespace: 'kube-system', name: 'x', identity: 'a' };
    const signal = new AbortController().signal;
    await expect(runLeaderElection({ lock, signal, leaseDurationMs: 1_000, callbacks: { onStartedLeading: () => {} } })).rejects.toThrow(
      /leaseDurationMs \(1000\) must be greater than renewDeadlineMs/,
    );
    await expect(runLeaderElection({ lock, signal, callbacks: {} as RunLeaderElectionOptions['callbacks'] })).rejects.toThrow(/onStartedLeading is required/);
    expect(client.calls).toEqual({ get: 0, create: 0, update: 0 });
  });
});
