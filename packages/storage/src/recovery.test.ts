/**
 * LevelStore after a failed write (the logic; full-disk.int.test.ts runs it
 * on a real full filesystem): unhealthy, writes refused with a clear
 * StoreUnavailableError, reads served, background recovery with a probe
 * write, adoption of a batch that reached the database after all, and a
 * refusal to go on when acknowledged writes are missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLevel } from 'memory-level';
import { LevelStore } from './level-store.js';
import { StoreUnavailableError } from './errors.js';
import type { StoreHealth } from './store.js';
import { take } from './testing/test-helpers.js';

const stores: LevelStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

function noSpace(): Error {
  const err = new Error('IO error: /data/000003.log: No space left on device') as Error & { code: string };
  err.code = 'LEVEL_IO_ERROR';
  return err;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Batch = MemoryLevel<string, string>['batch'];

/** A memory database whose batches fail while `plan.failures > 0` (after writing them when `plan.land`). */
async function flaky(): Promise<{ db: MemoryLevel<string, string>; plan: { failures: number; land: boolean }; store: LevelStore; health: StoreHealth[] }> {
  const db = new MemoryLevel<string, string>();
  const plan = { failures: 0, land: false };
  const real = db.batch.bind(db) as (...args: unknown[]) => Promise<void>;
  (db as { batch: Batch }).batch = (async (...args: unknown[]) => {
    if (plan.failures > 0) {
      plan.failures--;
      if (plan.land) await real(...args);
      throw noSpace();
    }
    return real(...args);
  }) as Batch;
  const health: StoreHealth[] = [];
  const store = await LevelStore.open({ db, recoveryIntervalMs: 10, maxRecoveryIntervalMs: 40, onHealthChange: (h) => health.push(h) });
  stores.push(store);
  return { db, plan, store, health };
}

describe('LevelStore after a failed write', () => {
  it('refuses writes with a clear error, keeps serving reads, and recovers in the background', async () => {
    const { plan, store, health } = await flaky();
    await store.create('/a', '1');
    expect(store.health()).toEqual({ ok: true });

    plan.failures = 3; // the write, then two recovery probes
    const results = await Promise.allSettled([store.create('/b', '1'), store.update('/a', '2')]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as StoreUnavailableError;
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err.code).toBe('STORE_UNAVAILABLE');
      expect(err.message).toBe(
        'storage write failed: no space left on device (given database); writes are refused until the store recovers (it retries in the background)',
      );
      expect((err.cause as Error).message).toMatch(/No space left on device/);
    }
    const h = store.health();
    expect(h).toMatchObject({ ok: false, error: expect.stringMatching(/^storage write failed: no space left on device/) as unknown });
    expect(h.since).toBeTypeOf('number');
    expect(health[0]).toMatchObject({ ok: false });

    // The failed batch changed nothing; reads go on.
    expect(store.currentRevision()).toBe(1);
    expect(await store.get('/a')).toMatchObject({ value: '1', modRevision: 1 });
    expect((await store.list('/')).items.map((kv) => kv.key)).toEqual(['/a']);
    await expect(store.create('/c', '1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.compact(1)).rejects.toBeInstanceOf(StoreUnavailableError);

    await until(() => store.health().ok);
    expect(plan.failures).toBe(0);
    expect(health.map((x) => x.ok)).toEqual([false, true]);
    expect(await store.create('/c', '1')).toMatchObject({ modRevision: 2 });
    expect(await store.update('/a', '2')).toMatchObject({ modRevision: 3 });
    expect(await store.verify()).toEqual([]);
  });

  it('reports recovery attempts while they fail', async () => {
    const { plan, store } = await flaky();
    plan.failures = 1_000;
    await expect(store.create('/a', '1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await until(() => (store.health().recoveryAttempts ?? 0) >= 3);
    expect(store.health()).toMatchObject({ ok: false, lastRecoveryError: expect.stringMatching(/No space left on device/) as unknown });
    plan.failures = 0;
    await until(() => store.health().ok, 2_000);
    expect(await store.create('/a', '1')).toMatchObject({ modRevision: 1 });
  });

  it('adopts a failed batch that reached the database after all, and tells watchers', async () => {
    const { plan, store } = await flaky();
    await store.create('/w/a', '1');
    const ac = new AbortController();
    const watch = store.watch('/w/', { afterRevision: 1, signal: ac.signal })[Symbol.asyncIterator]();
    const events = take(watch, 3);
    plan.failures = 1;
    plan.land = true; // written, then reported as failed (a sync error after the write)
    await expect(store.update('/w/a', '2')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(store.currentRevision()).toBe(1);
    plan.land = false;
    await until(() => store.health().ok);
    expect(store.currentRevision()).toBe(2);
    expect(await store.get('/w/a')).toMatchObject({ value: '2', modRevision: 2 });
    expect(await store.create('/w/b', '1')).toMatchObject({ modRevision: 3 });
    await store.delete('/w/b');
    expect((await events).map((e) => `${e.type}@${e.kv.modRevision}`)).toEqual(['update@2', 'create@3', 'delete@4']);
    ac.abort();
    expect(await store.verify()).toEqual([]);
  });

  it('stops, naming the restore, when the database lost acknowledged writes', async () => {
    const { db, plan, store } = await flaky();
    await store.create('/a', '1');
    await store.create('/b', '1');
    plan.failures = 1;
    await expect(store.create('/c', '1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await db.put('m/rev', '1'); // as if revision 2 had vanished
    await until(() => (store.health().recoveryAttempts ?? 0) >= 1 && store.health().error?.includes('cannot recover') === true);
    const h = store.health();
    expect(h.error).toMatch(
      /^storage write failed and the store cannot recover: after a failed write \(no space left on device\) the reopened database holds revision 1 but revision 2 was acknowledged: acknowledged writes are missing; stop the API server and restore the latest snapshot with `mk8s snapshot restore FILE`/,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(store.health().recoveryAttempts).toBe(1);
    await expect(store.create('/c', '1')).rejects.toThrow(/cannot recover/);
  });
});
