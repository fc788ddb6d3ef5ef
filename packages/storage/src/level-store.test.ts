/**
 * LevelStore behaviour beyond the Store contract (which conformance.test.ts
 * checks on this backend): group commit, the watch buffer bound, the rows
 * compaction leaves on disk, replay snapshots.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLevel } from 'memory-level';
import { LevelStore } from './level-store.js';
import { openMemoryStore } from './memory-store.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, WatchOverflowError } from './errors.js';
import { range, revisions, take } from './testing/test-helpers.js';

let store: LevelStore;

beforeEach(async () => {
  store = await openMemoryStore();
});

afterEach(async () => {
  await store.close();
});

describe('LevelStore group commit', () => {
  it('commits concurrent writes as consecutive revisions, validating each in order', async () => {
    const creates = await Promise.all(range(1, 200).map((i) => store.create(`/c/${i}`, `v${i}`)));
    expect(creates.map((kv) => kv.modRevision).sort((a, b) => a - b)).toEqual(range(1, 200));

    // Issued together, these land in one batch and see each other's effects.
    const results = await Promise.allSettled([
      store.create('/same', 'first'),
      store.create('/same', 'second'),
      store.update('/same', 'third', 201),
      store.delete('/same', 202),
      store.update('/same', 'gone'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(KeyExistsError);
    expect((results[3] as PromiseFulfilledResult<unknown>).value).toEqual({
      key: '/same',
      value: 'third',
      createRevision: 201,
      modRevision: 203,
    });
    expect((results[4] as PromiseRejectedResult).reason).toBeInstanceOf(KeyNotFoundError);
    expect(store.currentRevision()).toBe(203);
    expect(await store.count('/c/')).toBe(200);
  });
});

describe('LevelStore watch buffer', () => {
  it('stops a watcher that falls too far behind with WatchOverflowError', async () => {
    await store.close();
    store = await openMemoryStore({ watchBufferSize: 10 });
    const iterator = store.watch('', { afterRevision: 0 })[Symbol.asyncIterator]();
    const first = iterator.next();
    for (let i = 0; i < 20; i++) await store.create(`/o/${i}`, 'v');
    expect((await first).value?.kv.modRevision).toBe(1);
    await expect(iterator.next()).rejects.toBeInstanceOf(WatchOverflowError);
    // A watcher that keeps up is unaffected.
    const fine = store.watch('', { afterRevision: 20 })[Symbol.asyncIterator]();
    const next = fine.next();
    await store.create('/o/x', 'v');
    expect((await next).value?.kv.modRevision).toBe(21);
  });

  it('stops a watcher whose buffered events pass watchBufferBytes', async () => {
    await store.close();
    store = await openMemoryStore({ watchBufferBytes: 50_000 });
    const iterator = store.watch('', { afterRevision: 0 })[Symbol.asyncIterator]();
    const first = iterator.next();
    for (let i = 0; i < 10; i++) await store.create(`/o/${i}`, 'x'.repeat(10_000));
    expect((await first).value?.kv.modRevision).toBe(1);
    await expect(iterator.next()).rejects.toThrow(/buffered more than 50000 bytes/);
  });
});

describe('LevelStore history budget', () => {
  const value = (i: number): string => `${i}:` + 'x'.repeat(10_000);

  it('compacts its oldest history once superseded versions pass maxHistoryBytes', async () => {
    await store.close();
    store = await openMemoryStore({ maxHistoryBytes: 100_000 });
    let kv = await store.create('/big/a', value(0));
    for (let i = 1; i <= 40; i++) kv = await store.update('/big/a', value(i));
    await store.compact(0); // waits for compactions already queued
    const stats = store.historyStats();
    expect(stats.limitBytes).toBe(100_000);
    expect(stats.budgetCompactions).toBeGreaterThan(0);
    expect(stats.bytes).toBeLessThanOrEqual(100_000);
    // Oldest revisions are gone, recent ones still replay, the current state is intact.
    const compacted = store.compactedRevision();
    expect(compacted).toBeGreaterThan(1);
    expect(compacted).toBeLessThan(kv.modRevision - 5);
    const old = store.watch('/big/', { afterRevision: 0 })[Symbol.asyncIterator]();
    await expect(old.next()).rejects.toBeInstanceOf(CompactedError);
    const ac = new AbortController();
    const recent = await take(store.watch('/big/', { afterRevision: compacted, signal: ac.signal })[Symbol.asyncIterator](), kv.modRevision - compacted);
    expect(revisions(recent)).toEqual(range(compacted + 1, kv.modRevision));
    ac.abort();
    expect((await store.get('/big/a'))?.value).toBe(value(40));
  });

  it('counts only superseded history, and keeps everything without a budget', async () => {
    await store.close();
    store = await LevelStore.open({});
    for (let i = 0; i < 20; i++) await store.create(`/many/${i}`, value(i));
    const created = store.historyStats().bytes;
    expect(created).toBeLessThan(20 * 200); // creates supersede nothing: log rows only
    for (let i = 0; i < 20; i++) await store.update(`/many/${i}`, value(i + 100));
    expect(store.historyStats()).toMatchObject({ limitBytes: 0, budgetCompactions: 0 });
    expect(store.historyStats().bytes).toBeGreaterThan(20 * 10_000);
    expect(store.compactedRevision()).toBe(0);
    await store.compact(store.currentRevision());
    expect(store.historyStats().bytes).toBe(0);
  });
});

describe('LevelStore compaction', () => {
  async function history(): Promise<void> {
    await store.create('/h/a', 'a1'); // 1
    await store.create('/h/b', 'b1'); // 2
    await store.update('/h/a', 'a2'); // 3
    await store.delete('/h/b'); // 4
    await store.create('/h/c', 'c1'); // 5
    await store.update('/h/a', 'a3'); // 6
    await store.create('/h/d', 'd1'); // 7
    await store.update('/h/c', 'c2'); // 8
  }

  it('deletes the rows it no longer needs', async () => {
    const db = new MemoryLevel<string, string>();
    await store.close();
    store = await LevelStore.open({ db });
    await history();
    await store.delete('/h/d'); // 9
    const rows = async (prefix: string): Promise<string[]> => db.keys({ gte: prefix, lt: prefix + '\xff' }).all();
    expect(await rows('l/')).toHaveLength(9);
    expect(await rows('h/')).toHaveLength(9);

    await store.compact(9);
    expect(await rows('l/')).toEqual([]);
    // Only the newest version of each live key survives; deleted keys leave nothing.
    const kept = await rows('h/');
    expect(kept.map((row) => row.slice(2, row.indexOf('\0')))).toEqual(['/h/a', '/h/c']);
    expect(await db.get('m/compacted')).toBe('9');
    expect((await store.list('/h/')).items.map((kv) => `${kv.key}=${kv.value}`)).toEqual(['/h/a=a3', '/h/c=c2']);
  });

  it('does not disturb a watch that is already replaying', async () => {
    for (let i = 0; i < 500; i++) await store.create(`/z/${i}`, String(i));
    const ac = new AbortController();
    const iterator = store.watch('/z/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]();
    const head = await take(iterator, 10);
    await store.compact(400);
    const rest = await take(iterator, 490);
    expect(revisions([...head, ...rest])).toEqual(range(1, 500));
    ac.abort();
  });
});
