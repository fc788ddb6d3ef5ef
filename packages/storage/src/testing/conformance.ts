/**
 * @mk8s/storage/conformance: the behaviour every `Store` backend must show
 * (store.ts), as a vitest suite. Backends run it with their own factory:
 *
 * ```ts
 * defineStoreConformance('memory', () => openMemoryStore());
 * defineStoreConformance('etcd', () => EtcdStore.open({ endpoints, prefix: `/t/${n++}` }));
 * ```
 *
 * Each test opens a fresh store and closes it after. A store may start at
 * any revision (etcd's is shared and never 0), so every expectation is
 * relative to the revision the store reports when the test starts, and
 * nothing else may write to the store's keyspace meanwhile. Backend-specific
 * behaviour (group commit, watch buffer overflow, rows on disk) is tested
 * beside each backend. Kept off the package's main entry so the API server
 * never loads vitest.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  InvalidKeyError,
  KeyExistsError,
  KeyNotFoundError,
  StorageError,
  StoreClosedError,
} from '../errors.js';
import type { Store, WatchEvent } from '../store.js';
import { range, revisions, take } from './test-helpers.js';

export { range, revisions, take } from './test-helpers.js';

/** Opens a fresh, empty store (an empty keyspace: its revision may be anything). */
export type StoreFactory = () => Promise<Store>;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function defineStoreConformance(name: string, open: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    /** The store's revision when the test started; r(n) is the n-th write's revision. */
    let base = 0;
    const r = (n: number): number => base + n;

    beforeEach(async () => {
      store = await open();
      base = store.currentRevision();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('writes', () => {
      it('creates, reads, updates and deletes with etcd revision semantics', async () => {
        expect(await store.get('/a')).toBeUndefined();

        const created = await store.create('/a', 'v1');
        expect(created).toEqual({ key: '/a', value: 'v1', createRevision: r(1), modRevision: r(1) });
        expect(await store.get('/a')).toEqual(created);

        const updated = await store.update('/a', 'v2');
        expect(updated).toEqual({ key: '/a', value: 'v2', createRevision: r(1), modRevision: r(2) });
        const cas = await store.update('/a', 'v3', r(2));
        expect(cas).toEqual({ key: '/a', value: 'v3', createRevision: r(1), modRevision: r(3) });

        const deleted = await store.delete('/a', r(3));
        expect(deleted).toEqual({ key: '/a', value: 'v3', createRevision: r(1), modRevision: r(4) });
        expect(await store.get('/a')).toBeUndefined();
        expect(store.currentRevision()).toBe(r(4));

        // A new life of the key gets a new createRevision.
        const again = await store.create('/a', 'v4');
        expect(again).toEqual({ key: '/a', value: 'v4', createRevision: r(5), modRevision: r(5) });
      });

      it('reports every failure with a typed error and consumes no revision', async () => {
        await store.create('/a', 'v1');
        await store.update('/a', 'v2');

        const exists = await rejection(store.create('/a', 'x'));
        expect(exists).toBeInstanceOf(KeyExistsError);
        expect(exists).toBeInstanceOf(StorageError);
        expect(exists).toMatchObject({ code: 'KEY_EXISTS', key: '/a' });

        const conflict = await rejection(store.update('/a', 'x', r(1)));
        expect(conflict).toBeInstanceOf(ConflictError);
        expect(conflict).toMatchObject({ code: 'CONFLICT', key: '/a', expectedModRevision: r(1), actualModRevision: r(2) });
        expect(await rejection(store.delete('/a', r(7)))).toMatchObject({ code: 'CONFLICT', actualModRevision: r(2) });
        expect(await rejection(store.update('/a', 'x', 0))).toMatchObject({ code: 'CONFLICT', actualModRevision: r(2) });

        expect(await rejection(store.update('/missing', 'x'))).toBeInstanceOf(KeyNotFoundError);
        expect(await rejection(store.update('/missing', 'x', r(1)))).toMatchObject({ code: 'KEY_NOT_FOUND', key: '/missing' });
        expect(await rejection(store.delete('/missing'))).toBeInstanceOf(KeyNotFoundError);
        expect(await rejection(store.delete('/missing', r(2)))).toBeInstanceOf(KeyNotFoundError);

        expect(await rejection(store.create('', 'x'))).toBeInstanceOf(InvalidKeyError);
        expect(await rejection(store.create('a\0b', 'x'))).toMatchObject({ code: 'INVALID_KEY' });
        await expect(store.get('')).rejects.toBeInstanceOf(InvalidKeyError);

        expect(store.currentRevision()).toBe(r(2));
        expect(await store.get('/a')).toMatchObject({ value: 'v2', modRevision: r(2) });
      });

      it('advances the revision by exactly one per successful write', async () => {
        const seen: number[] = [];
        for (let i = 0; i < 10; i++) seen.push((await store.create(`/k/${i}`, String(i))).modRevision);
        for (let i = 0; i < 10; i += 2) seen.push((await store.update(`/k/${i}`, 'u')).modRevision);
        for (let i = 1; i < 10; i += 2) seen.push((await store.delete(`/k/${i}`)).modRevision);
        expect(seen).toEqual(range(r(1), r(20)));
        expect(store.currentRevision()).toBe(r(20));
        expect(await store.get('/k/4')).toMatchObject({ createRevision: r(5), value: 'u' });
      });

      it('gives concurrent writes consecutive revisions', async () => {
        const creates = await Promise.all(range(1, 200).map((i) => store.create(`/c/${i}`, `v${i}`)));
        expect(creates.map((kv) => kv.modRevision).sort((a, b) => a - b)).toEqual(range(r(1), r(200)));
        expect(store.currentRevision()).toBe(r(200));
        expect(await store.count('/c/')).toBe(200);
      });

      it('keeps compare-and-swap exact: 50 concurrent incrementers end at 50', async () => {
        await store.create('/counter', '0');
        const increment = async (): Promise<void> => {
          for (;;) {
            const kv = await store.get('/counter');
            if (!kv) throw new Error('counter vanished');
            try {
              await store.update('/counter', String(Number(kv.value) + 1), kv.modRevision);
              return;
            } catch (err) {
              if (!(err instanceof ConflictError)) throw err;
            }
          }
        };
        await Promise.all(range(1, 50).map(() => increment()));
        expect(await store.get('/counter')).toMatchObject({ value: '50', createRevision: r(1), modRevision: r(51) });
      });

      it('rejects work after close, but finishes writes issued before it', async () => {
        const queued = [store.create('/q/1', 'a'), store.create('/q/2', 'b')];
        const closing = store.close();
        await expect(Promise.all(queued)).resolves.toHaveLength(2);
        await closing;
        await expect(store.create('/q/3', 'c')).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.get('/q/1')).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.list('/q/')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        await expect(store.compact(1)).rejects.toBeInstanceOf(StoreClosedError);
        await store.close(); // idempotent
      });
    });

    describe('list', () => {
      it('lists a prefix in key order, with paging and counts', async () => {
        for (const k of ['/r/b', '/r/a', '/r/c', '/other', '/r', '/r/a/x']) await store.create(k, k.toUpperCase());
        const all = await store.list('/r/');
        expect(all.items.map((kv) => kv.key)).toEqual(['/r/a', '/r/a/x', '/r/b', '/r/c']);
        expect(all).toMatchObject({ revision: r(6), more: false });
        expect(all.items[0]).toEqual({ key: '/r/a', value: '/R/A', createRevision: r(2), modRevision: r(2) });

        const page1 = await store.list('/r/', { limit: 2 });
        expect(page1.items.map((kv) => kv.key)).toEqual(['/r/a', '/r/a/x']);
        expect(page1.more).toBe(true);
        const page2 = await store.list('/r/', { limit: 2, after: '/r/a/x', revision: page1.revision });
        expect(page2.items.map((kv) => kv.key)).toEqual(['/r/b', '/r/c']);
        expect(page2.more).toBe(false);

        expect(await store.count('/r/')).toBe(4);
        expect(await store.count('')).toBe(6);
        expect((await store.list('')).items).toHaveLength(6);
        expect((await store.list('/nothing/')).items).toEqual([]);
      });

      it('does not report more when only deleted keys follow the page', async () => {
        await store.create('/p/1', 'a');
        await store.create('/p/2', 'b');
        await store.create('/p/3', 'c');
        await store.delete('/p/3');
        const page = await store.list('/p/', { limit: 2 });
        expect(page.items.map((kv) => kv.key)).toEqual(['/p/1', '/p/2']);
        expect(page.more).toBe(false);
      });

      it('pages a fixed snapshot while writes continue', async () => {
        const pad = (i: number): string => String(i).padStart(2, '0');
        for (let i = 0; i < 30; i++) await store.create(`/s/${pad(i)}`, `v${i}`);
        const first = await store.list('/s/', { limit: 10 });
        const seen = [...first.items];
        let cursor = first;
        let round = 0;
        while (cursor.more) {
          // Writes between pages: updates, deletes and creates in the range.
          await store.update(`/s/${pad(29 - round)}`, 'changed');
          await store.delete(`/s/${pad(20 + round)}`);
          await store.create(`/s/${pad(round)}x`, 'new');
          round++;
          const last = cursor.items[cursor.items.length - 1]!;
          cursor = await store.list('/s/', { limit: 10, after: last.key, revision: first.revision });
          expect(cursor.revision).toBe(first.revision);
          seen.push(...cursor.items);
        }
        expect(seen.map((kv) => kv.key)).toEqual(range(0, 29).map((i) => `/s/${pad(i)}`));
        expect(seen.map((kv) => kv.value)).toEqual(range(0, 29).map((i) => `v${i}`));
        expect(seen.every((kv) => kv.modRevision <= first.revision)).toBe(true);
        expect(store.currentRevision()).toBeGreaterThan(first.revision);
      });

      it('reads older revisions: old values, no later keys, keys deleted later still there', async () => {
        await store.create('/o/a', 'a1'); // 1
        await store.create('/o/b', 'b1'); // 2
        await store.update('/o/a', 'a2'); // 3
        await store.delete('/o/b'); // 4
        await store.create('/o/c', 'c1'); // 5
        await store.create('/o/b', 'b2'); // 6
        for (let i = 0; i < 5; i++) await store.update('/o/a', `a${3 + i}`); // 7..11

        const at2 = await store.list('/o/', { revision: r(2) });
        expect(at2.items).toEqual([
          { key: '/o/a', value: 'a1', createRevision: r(1), modRevision: r(1) },
          { key: '/o/b', value: 'b1', createRevision: r(2), modRevision: r(2) },
        ]);
        expect(at2.revision).toBe(r(2));
        const at4 = await store.list('/o/', { revision: r(4) });
        expect(at4.items).toEqual([{ key: '/o/a', value: 'a2', createRevision: r(1), modRevision: r(3) }]);
        const at6 = await store.list('/o/', { revision: r(6) });
        expect(at6.items.map((kv) => `${kv.key}=${kv.value}@${kv.createRevision - base}`)).toEqual(['/o/a=a2@1', '/o/b=b2@6', '/o/c=c1@5']);
        const now = await store.list('/o/');
        expect(now.items.map((kv) => kv.value)).toEqual(['a7', 'b2', 'c1']);
        expect(now.revision).toBe(r(11));

        await expect(store.list('/o/', { revision: r(12) })).rejects.toBeInstanceOf(FutureRevisionError);
      });

      it('lists many keys with many versions correctly', async () => {
        const key = (i: number): string => `/m/${String(i).padStart(4, '0')}`;
        for (let i = 0; i < 300; i++) await store.create(key(i), '0');
        const mid = store.currentRevision();
        for (let v = 1; v <= 3; v++) await Promise.all(range(0, 299).map((i) => store.update(key(i), String(v))));
        const current = await store.list('/m/');
        expect(current.items).toHaveLength(300);
        expect(current.items.every((kv) => kv.value === '3')).toBe(true);
        const old = await store.list('/m/', { revision: mid });
        expect(old.items).toHaveLength(300);
        expect(old.items.every((kv) => kv.value === '0' && kv.modRevision === kv.createRevision)).toBe(true);
      });
    });

    describe('watch', () => {
      it('replays then streams live events with no gap or duplicate while writes run', async () => {
        const total = 300;
        const writes: Array<Promise<unknown>> = [];
        const watchers: Array<{ after: number; iterator: AsyncIterator<WatchEvent> }> = [];
        const ac = new AbortController();
        for (let i = 1; i <= total; i++) {
          // An update is issued once its key's create is acknowledged (concurrent requests may be reordered).
          writes.push(i % 3 === 0 ? writes[i - 2]!.then(() => store.update(`/w/${i - 1}`, `u${i}`)) : store.create(`/w/${i}`, `v${i}`));
          if (i % 60 === 0) {
            // Start a watch at an arbitrary point while writes are in flight.
            await new Promise((resolve) => setImmediate(resolve));
            const after = base + Math.floor((store.currentRevision() - base) / 2);
            const iterator = store.watch('/w/', { afterRevision: after, signal: ac.signal })[Symbol.asyncIterator]();
            watchers.push({ after, iterator });
          }
        }
        await Promise.all(writes);
        expect(store.currentRevision()).toBe(r(total));
        for (const { after, iterator } of watchers) {
          const events = await take(iterator, r(total) - after, 20_000);
          expect(revisions(events)).toEqual(range(after + 1, r(total)));
        }
        ac.abort();
      });

      it('filters by prefix and carries values, prevKv and delete payloads', async () => {
        const ac = new AbortController();
        const iterator = store.watch('/registry/pods/', { afterRevision: base, signal: ac.signal })[Symbol.asyncIterator]();
        await store.create('/registry/pods/a', 'p1'); // 1
        await store.create('/registry/services/a', 's1'); // 2
        await store.update('/registry/pods/a', 'p2'); // 3
        await store.delete('/registry/pods/a'); // 4
        const events = await take(iterator, 3);
        expect(events).toEqual([
          { type: 'create', kv: { key: '/registry/pods/a', value: 'p1', createRevision: r(1), modRevision: r(1) } },
          {
            type: 'update',
            kv: { key: '/registry/pods/a', value: 'p2', createRevision: r(1), modRevision: r(3) },
            prevKv: { key: '/registry/pods/a', value: 'p1', createRevision: r(1), modRevision: r(1) },
          },
          {
            type: 'delete',
            kv: { key: '/registry/pods/a', value: 'p2', createRevision: r(1), modRevision: r(4) },
            prevKv: { key: '/registry/pods/a', value: 'p2', createRevision: r(1), modRevision: r(3) },
          },
        ]);
        // Replayed events are identical to live ones.
        const replayed = await take(store.watch('/registry/pods/', { afterRevision: base, signal: ac.signal })[Symbol.asyncIterator](), 3);
        expect(replayed).toEqual(events);
        ac.abort();
      });

      it('ends the iterator on abort, including a pending next()', async () => {
        const ac = new AbortController();
        const iterator = store.watch('', { afterRevision: base, signal: ac.signal })[Symbol.asyncIterator]();
        await store.create('/a', '1');
        expect((await iterator.next()).value?.kv.key).toBe('/a');
        const pending = iterator.next();
        ac.abort();
        expect(await pending).toEqual({ done: true, value: undefined });
        await store.create('/b', '2');
        expect((await iterator.next()).done).toBe(true);

        const already = store.watch('', { afterRevision: base, signal: ac.signal })[Symbol.asyncIterator]();
        expect((await already.next()).done).toBe(true);
      });

      it('ends the iterator when the store closes', async () => {
        const iterator = store.watch('', { afterRevision: base })[Symbol.asyncIterator]();
        const pending = iterator.next();
        await store.close();
        expect((await pending).done).toBe(true);
        await expect(store.watch('', { afterRevision: base })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(StoreClosedError);
      });

      it('ends a watch that is in the middle of its replay when the store closes', async () => {
        for (let i = 0; i < 200; i++) await store.create(`/rp/${i}`, String(i));
        const iterator = store.watch('/rp/', { afterRevision: base })[Symbol.asyncIterator]();
        expect(revisions(await take(iterator, 10))).toEqual(range(r(1), r(10)));
        await store.close();
        expect((await iterator.next()).done).toBe(true);
      });

      it('watches from a future revision by skipping events up to it', async () => {
        const ac = new AbortController();
        const iterator = store.watch('', { afterRevision: r(2), signal: ac.signal })[Symbol.asyncIterator]();
        const pending = take(iterator, 2);
        for (let i = 0; i < 4; i++) await store.create(`/f/${i}`, 'v');
        expect(revisions(await pending)).toEqual([r(3), r(4)]);
        ac.abort();
      });

      it('stops the watch when the consumer breaks out of the loop', async () => {
        await store.create('/a', '1');
        await store.create('/b', '2');
        for await (const event of store.watch('', { afterRevision: base })) {
          expect(event.kv.key).toBe('/a');
          break;
        }
        await store.create('/c', '3');
        expect(store.currentRevision()).toBe(r(3));
      });
    });

    describe('compaction', () => {
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

      it('fails reads and watches before the compacted revision and keeps everything after', async () => {
        await history();
        await store.compact(r(5));
        expect(store.compactedRevision()).toBe(r(5));

        await expect(store.list('/h/', { revision: r(4) })).rejects.toBeInstanceOf(CompactedError);
        const err = await rejection(store.list('/h/', { revision: r(1) }));
        expect(err).toMatchObject({ code: 'COMPACTED', requestedRevision: r(1), compactedRevision: r(5) });
        expect((err as Error).message).toMatch(/^mvcc: required revision has been compacted/);
        await expect(
          store
            .watch('/h/', { afterRevision: r(4) })
            [Symbol.asyncIterator]()
            .next(),
        ).rejects.toBeInstanceOf(CompactedError);

        // The state at the compacted revision itself is still readable.
        const at5 = await store.list('/h/', { revision: r(5) });
        expect(at5.items.map((kv) => `${kv.key}=${kv.value}`)).toEqual(['/h/a=a2', '/h/c=c1']);
        const at7 = await store.list('/h/', { revision: r(7) });
        expect(at7.items.map((kv) => `${kv.key}=${kv.value}`)).toEqual(['/h/a=a3', '/h/c=c1', '/h/d=d1']);
        const now = await store.list('/h/');
        expect(now.items.map((kv) => `${kv.key}=${kv.value}@${kv.createRevision - base}/${kv.modRevision - base}`)).toEqual([
          '/h/a=a3@1/6',
          '/h/c=c2@5/8',
          '/h/d=d1@7/7',
        ]);
        expect(await store.get('/h/a')).toMatchObject({ value: 'a3', createRevision: r(1), modRevision: r(6) });

        // A watch from the compacted revision replays everything after it, with prevKv.
        const ac = new AbortController();
        const events = await take(store.watch('/h/', { afterRevision: r(5), signal: ac.signal })[Symbol.asyncIterator](), 3);
        expect(events.map((e) => `${e.type}:${e.kv.key}@${e.kv.modRevision - base}<${e.prevKv ? e.prevKv.modRevision - base : '-'}`)).toEqual([
          'update:/h/a@6<3',
          'create:/h/d@7<-',
          'update:/h/c@8<5',
        ]);
        ac.abort();

        // Later history keeps working, and writes continue.
        await store.delete('/h/a'); // 9
        await store.compact(r(8));
        const at8 = await store.list('/h/', { revision: r(8) });
        expect(at8.items.map((kv) => kv.key)).toEqual(['/h/a', '/h/c', '/h/d']);
        expect((await store.list('/h/')).items.map((kv) => kv.key)).toEqual(['/h/c', '/h/d']);
      });

      it('is idempotent and refuses future revisions', async () => {
        await history();
        await Promise.all([store.compact(r(3)), store.compact(r(6)), store.compact(r(2))]);
        expect(store.compactedRevision()).toBe(r(6));
        await store.compact(r(4));
        expect(store.compactedRevision()).toBe(r(6));
        await expect(store.compact(r(9))).rejects.toBeInstanceOf(FutureRevisionError);
        expect((await store.list('/h/', { revision: r(6) })).items.map((kv) => kv.value)).toEqual(['a3', 'c1']);
      });
    });
  });
}
