import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClassicLevel } from 'classic-level';
import { LevelStore } from './level-store.js';
import { StoreLockedError } from './errors.js';
import { range, revisions, take } from './testing/test-helpers.js';

let dir: string;
const open: LevelStore[] = [];

async function openStore(path = dir): Promise<LevelStore> {
  const store = await LevelStore.open({ path });
  open.push(store);
  return store;
}

/** `batch` is overloaded; the spy's call list is typed after the argument-less overload. */
function batchCalls(spy: { mock: { calls: unknown[] } }): Array<[unknown, unknown]> {
  return spy.mock.calls as Array<[unknown, unknown]>;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mk8s-storage-'));
});

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LevelStore on disk', () => {
  it('survives close and reopen: revisions, data, history, compaction and watch replay', async () => {
    const first = await openStore();
    await first.create('/r/a', 'a1'); // 1
    await first.create('/r/b', 'b1'); // 2
    await first.update('/r/a', 'a2'); // 3
    await first.delete('/r/b'); // 4
    await first.create('/r/c', 'c1'); // 5
    await first.update('/r/c', 'c2'); // 6
    await first.compact(3);
    await first.close();

    const second = await openStore();
    expect(second.currentRevision()).toBe(6);
    expect(second.compactedRevision()).toBe(3);
    expect(await second.get('/r/a')).toEqual({ key: '/r/a', value: 'a2', createRevision: 1, modRevision: 3 });
    expect(await second.get('/r/b')).toBeUndefined();
    expect(await second.count('/r/')).toBe(2);
    expect((await second.list('/r/', { revision: 3 })).items.map((kv) => kv.value)).toEqual(['a2', 'b1']);
    await expect(second.list('/r/', { revision: 2 })).rejects.toMatchObject({ code: 'COMPACTED' });

    // A watch from before the restart replays, then continues live.
    const ac = new AbortController();
    const iterator = second.watch('/r/', { afterRevision: 3, signal: ac.signal })[Symbol.asyncIterator]();
    const replayed = await take(iterator, 3);
    expect(replayed.map((e) => `${e.type}@${e.kv.modRevision}`)).toEqual(['delete@4', 'create@5', 'update@6']);
    expect(replayed[0]?.kv.value).toBe('b1');
    const next = await second.update('/r/a', 'a3');
    expect(next).toEqual({ key: '/r/a', value: 'a3', createRevision: 1, modRevision: 7 });
    expect(revisions(await take(iterator, 1))).toEqual([7]);
    ac.abort();
  });

  it('closes promptly while a watch holds its replay snapshot', async () => {
    const store = await openStore();
    await Promise.all(range(1, 600).map((i) => store.create(`/rp/${i}`, String(i))));
    const iterator = store.watch('/rp/', { afterRevision: 0 })[Symbol.asyncIterator]();
    expect(revisions(await take(iterator, 10))).toEqual(range(1, 10));
    await store.close();
    expect((await iterator.next()).done).toBe(true);
    const reopened = await openStore();
    expect(reopened.currentRevision()).toBe(600);
  });

  it('refuses a second open of the same folder with LEVEL_LOCKED', async () => {
    const first = await openStore();
    await first.create('/x', '1');
    const err = await LevelStore.open({ path: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect(err).toMatchObject({ code: 'LEVEL_LOCKED' });
    expect((err as Error).message).toContain(dir);
    await first.close();
    const again = await openStore();
    expect(await again.get('/x')).toMatchObject({ value: '1' });
  });

  it('group-commits concurrent durable writes into few synced batches', async () => {
    const db = new ClassicLevel<string, string>(dir);
    const batch = vi.spyOn(db, 'batch');
    const store = await LevelStore.open({ db });
    open.push(store);
    const results = await Promise.all(range(1, 300).map((i) => store.create(`/g/${i}`, `v${i}`)));
    expect(results.map((kv) => kv.modRevision).sort((a, b) => a - b)).toEqual(range(1, 300));
    // Few batches, each synced, that together carry every create (a test with zero batch calls must fail).
    const calls = batchCalls(batch);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThan(10);
    for (const call of calls) expect(call[1]).toMatchObject({ sync: true });
    const puts = calls.flatMap((c) => c[0] as Array<{ type: string; key: string }>).filter((op) => op.type === 'put' && op.key.includes('/g/'));
    expect(new Set(puts.map((op) => /\/g\/(\d+)/.exec(op.key)?.[1])).size).toBe(300);
    // Sequential writers interleaved with concurrent ones still get consecutive revisions.
    let last = 300;
    for (let i = 0; i < 20; i++) {
      const [a, b] = await Promise.all([store.create(`/s/${i}a`, 'x'), store.update(`/g/${i + 1}`, 'y')]);
      expect([a.modRevision, b.modRevision]).toEqual([last + 1, last + 2]);
      last += 2;
    }
  });

  it('keeps writing in non-durable mode', async () => {
    const db = new ClassicLevel<string, string>(dir);
    const batch = vi.spyOn(db, 'batch');
    const store = await LevelStore.open({ db, durable: false });
    open.push(store);
    await store.create('/nd', '1');
    expect(batchCalls(batch)[0]?.[1]).toMatchObject({ sync: false });
    await store.close();
    const reopened = await openStore();
    expect(await reopened.get('/nd')).toMatchObject({ value: '1', modRevision: 1 });
  });
});
