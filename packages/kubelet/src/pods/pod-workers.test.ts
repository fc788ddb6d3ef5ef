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
