import type { Pod } from '@mk8s/api';
import { FakeClock } from '@mk8s/client';
import { describe, expect, it } from 'vitest';
import { PodWorkers } from './pod-workers.js';

function pod(uid: string, version: string): Pod {
  return { metadata: { name: uid, namespace: 'default', uid, resourceVersion: version }, spec: { containers: [] } };
}

/** A sync function whose calls stay open until released. */
function gatedSync() {
  const calls: Array<{ uid: string; version: string; release: () => void }> = [];
  const sync = (p: Pod): Promise<void> =>
    new Promise((resolve) => calls.push({ uid: p.metadata!.uid!, version: p.metadata!.resourceVersion!, release: resolve }));
  return { calls, sync };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('PodWorkers', () => {
  it('keeps only the newest pending update while a sync runs', async () => {
    const { calls, sync } = gatedSync();
    const workers = new PodWorkers({ sync, clock: new FakeClock() });
    workers.update(pod('a', '1'));
    workers.update(pod('a', '2'));
    workers.update(pod('a', '3'));
    await tick();
    expect(calls.map((c) => c.version)).toEqual(['1']);
    calls[0]!.release();
    await tick();
    expect(calls.map((c) => c.version)).toEqual(['1', '3']);
    calls[1]!.release();
    await workers.idle();
    expect(calls).toHaveLength(2);
  });

  it('syncs different pods concurrently', async () => {
    const { calls, sync } = gatedSync();
    const workers = new PodWorkers({ sync, clock: new FakeClock() });
    workers.update(pod('a', '1'));
    workers.update(pod('b', '1'));
    await tick();
    expect(calls.map((c) => c.uid).sort()).toEqual(['a', 'b']);
    for (const c of calls) c.release();
    await workers.idle();
  });

  it('requeues after the delay a sync asks for, and retries failed syncs with backoff', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    let fail = true;
    const workers = new PodWorkers({
      clock,
      errorBackoffMs: 100,
      sync: async (p) => {
        seen.push(p.metadata!.uid!);
        if (p.metadata!.uid === 'bad' && fail) throw new Error('boom');
        return p.metadata!.uid === 'slow' ? { requeueAfterMs: 5000 } : undefined;
      },
    });
    workers.update(pod('slow', '1'));
    workers.update(pod('bad', '1'));
    await workers.idle();
    expect(seen.sort()).toEqual(['bad', 'slow']);
    await clock.advance(100);
    await workers.idle();
    expect(seen.filter((u) => u === 'bad')).toHaveLength(2);
    await clock.advance(199);
    expect(seen.filter((u) => u === 'bad')).toHaveLength(2);
    fail = false;
    await clock.advance(1);
    await workers.idle();
    expect(seen.filter((u) => u === 'bad')).toHaveLength(3);
    await clock.advance(5000);
    await workers.idle();
    expect(seen.filter((u) => u === 'slow').length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((u) => u === 'bad')).toHaveLength(3);
  });

  it('an earlier requeue replaces a later one, a later one does not postpone an earlier one', async () => {
    const clock = new FakeClock();
    let n = 0;
    const workers = new PodWorkers({ clock, sync: async () => void n++ });
    workers.update(pod('a', '1'));
    await workers.idle();
    workers.requeueAfter('a', 1000);
    workers.requeueAfter('a', 5000);
    await clock.advance(1000);
    await workers.idle();
    expect(n).toBe(2);
    workers.requeueAfter('a', 5000);
    workers.requeueAfter('a', 2000);
    await clock.advance(2000);
    await workers.idle();
    expect(n).toBe(3);
    await clock.advance(10_000);
    expect(n).toBe(3);
  });

  it('remove: the sync in flight finishes, nothing follows, timers are cancelled', async () => {
    const clock = new FakeClock();
    const { calls, sync } = gatedSync();
    const workers = new PodWorkers({ sync, clock });
    workers.update(pod('a', '1'));
    await tick();
    workers.update(pod('a', '2'));
    workers.requeueAfter('a', 100);
    workers.remove('a');
    expect(workers.has('a')).toBe(false);
    calls[0]!.release();
    await workers.idle();
    await clock.advance(1000);
    expect(calls).toHaveLength(1);
    workers.resync('a');
    await tick();
    expect(calls).toHaveLength(1);
  });
});

describe('PodWorkers: the pod state machine', () => {
  const deleting = (uid: string, version: string): Pod => {
    const p = pod(uid, version);
    p.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
    return p;
  };

  /** Workers whose three steps are recorded as `<step>:<uid>:<version>[:gone]`. */
  function recorded(opts: { failTerminating?: number } = {}) {
    const steps: string[] = [];
    const forgotten: string[] = [];
    let failures = opts.failTerminating ?? 0;
    const clock = new FakeClock();
    const workers = new PodWorkers({
      clock,
      errorBackoffMs: 100,
      sync: async (p) => void steps.push(`sync:${p.metadata!.uid}:${p.metadata!.resourceVersion}`),
      syncTerminating: async (p, gone) => {
        steps.push(`terminating:${p.metadata!.uid}:${p.metadata!.resourceVersion}${gone ? ':gone' : ''}`);
        if (failures-- > 0) throw new Error('runtime down');
      },
      syncTerminated: async (p, gone) => void steps.push(`terminated:${p.metadata!.uid}:${p.metadata!.resourceVersion}${gone ? ':gone' : ''}`),
      onForget: (uid) => forgotten.push(uid),
    });
    return { workers, steps, forgotten, clock };
  }

  it('deletionTimestamp: syncing -> terminating -> terminated, finished until the pod leaves the API, then forgotten', async () => {
    const { workers, steps, forgotten } = recorded();
    workers.update(pod('a', '1'));
    await workers.idle();
    expect(workers.state('a')).toBe('syncing');
    workers.update(deleting('a', '2'));
    await workers.idle();
    expect(steps).toEqual(['sync:a:1', 'terminating:a:2', 'terminated:a:2']);
    expect(workers.state('a')).toBe('terminated');
    expect(workers.isFinished('a')).toBe(true);

    // A finished pod ignores updates and resyncs.
    workers.update(deleting('a', '3'));
    workers.resync('a');
    await workers.idle();
    expect(steps).toHaveLength(3);
    expect(forgotten).toEqual([]);

    workers.delete(deleting('a', '4'));
    expect(workers.has('a')).toBe(false);
    expect(forgotten).toEqual(['a']);
    expect(steps).toHaveLength(3);
  });

  it('gone from the API while syncing: terminated and cleaned up as gone, then forgotten at once', async () => {
    const { workers, steps, forgotten } = recorded();
    workers.update(pod('a', '1'));
    await workers.idle();
    workers.delete(pod('a', '2'));
    await workers.idle();
    expect(steps).toEqual(['sync:a:1', 'terminating:a:2:gone', 'terminated:a:2:gone']);
    expect(workers.has('a')).toBe(false);
    expect(forgotten).toEqual(['a']);
  });

  it('a pod gone before it was ever seen is still terminated (what a previous kubelet left)', async () => {
    const { workers, steps } = recorded();
    workers.delete(pod('x', '9'));
    await workers.idle();
    expect(steps).toEqual(['terminating:x:9:gone', 'terminated:x:9:gone']);
  });

  it('a deletion arriving during a sync: the sync finishes, the pod terminates after it and never syncs again', async () => {
    const { calls, sync } = gatedSync();
    const steps: string[] = [];
    const workers = new PodWorkers({
      clock: new FakeClock(),
      sync,
      syncTerminating: async (p) => void steps.push(`terminating:${p.metadata!.resourceVersion}`),
      syncTerminated: async (p) => void steps.push(`terminated:${p.metadata!.resourceVersion}`),
    });
    workers.update(pod('a', '1'));
    await tick();
    workers.update(deleting('a', '2'));
    workers.update(pod('a', '3')); // a stale-looking update cannot bring it back to syncing
    expect(workers.state('a')).toBe('terminating');
    calls[0]!.release();
    await workers.idle();
    expect(calls).toHaveLength(1);
    expect(steps).toEqual(['terminating:3', 'terminated:3']);
  });

  it('a failed terminating step is retried with backoff and stays terminating', async () => {
    const { workers, steps, clock } = recorded({ failTerminating: 1 });
    workers.update(deleting('a', '1'));
    await workers.idle();
    expect(steps).toEqual(['terminating:a:1']);
    expect(workers.state('a')).toBe('terminating');
    await clock.advance(100);
    await workers.idle();
    expect(steps).toEqual(['terminating:a:1', 'terminating:a:1', 'terminated:a:1']);
    expect(workers.isFinished('a')).toBe(true);
  });

  it('gone while terminating: the cleanup knows, and the worker is forgotten when it ends', async () => {
    const gate: Array<() => void> = [];
    const steps: string[] = [];
    const workers = new PodWorkers({
      clock: new FakeClock(),
      sync: async () => undefined,
      syncTerminating: () => new Promise<void>((resolve) => gate.push(resolve)),
      syncTerminated: async (_p, gone) => void steps.push(`terminated${gone ? ':gone' : ''}`),
    });
    workers.update(deleting('a', '1'));
    await tick();
    workers.delete(deleting('a', '2'));
    gate[0]!();
    await workers.idle();
    expect(steps).toEqual(['terminated:gone']);
    expect(workers.has('a')).toBe(false);
  });
});
