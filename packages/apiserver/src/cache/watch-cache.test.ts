import { openMemoryStore, type Store, type WatchEvent, type WatchOptions } from '@mk8s/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchCache, type CacheEvent } from './watch-cache.js';

/** A store whose first watch breaks after `breakAfter` events, as a real one does on overflow. */
function breakingStore(store: Store, breakAfter: number): Store {
  let broken = false;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'watch') {
        return (prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> => {
          const inner = target.watch(prefix, opts);
          if (broken) return inner;
          broken = true;
          return (async function* () {
            let n = 0;
            for await (const ev of inner) {
              yield ev;
              if (++n === breakAfter) throw new Error('watch overflow');
            }
          })();
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('WatchCache', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it('lists, follows the store, and serves consistent reads', async () => {
    const store = await openMemoryStore();
    stores.push(store);
    await store.create('/registry/pods/default/a', JSON.stringify({ metadata: { name: 'a' } }));
    const cache = new WatchCache(store);
    await cache.start();
    expect(cache.list('pods', '/registry/pods/').map((o) => (o['metadata'] as { name: string }).name)).toEqual(['a']);
    const kv = await store.create('/registry/pods/default/b', JSON.stringify({ metadata: { name: 'b' } }));
    await cache.fresh();
    expect(cache.revision).toBeGreaterThanOrEqual(kv.modRevision);
    expect(cache.get('pods', '/registry/pods/default/b')?.['metadata']).toMatchObject({ name: 'b', resourceVersion: String(kv.modRevision) });
    await cache.stop();
  });

  it('replays its window to a subscriber and says when the window no longer reaches back', async () => {
    const store = await openMemoryStore();
    stores.push(store);
    const cache = new WatchCache(store, '/registry/', { windowSize: 3 });
    await cache.start();
    const start = store.currentRevision();
    for (const n of ['a', 'b', 'c', 'd']) await store.create(`/registry/configmaps/default/${n}`, JSON.stringify({ metadata: { name: n } }));
    await cache.fresh();
    expect(cache.subscribe('configmaps', start, () => undefined)).toBeUndefined();
    const sub = cache.subscribe('configmaps', start + 1, () => undefined)!;
    expect(sub.replay.map((e) => e.key.split('/').pop())).toEqual(['b', 'c', 'd']);
    sub.unsubscribe();
    await cache.stop();
  });

  it('bounds its windows by bytes across resources, evicting the oldest revisions first', async () => {
    const store = await openMemoryStore();
    stores.push(store);
    const evicted: string[] = [];
    const cache = new WatchCache(store, '/registry/', { maxBytes: 3_500, onEvict: (r, reason) => evicted.push(`${r}:${reason}`) });
    await cache.start();
    const start = store.currentRevision();
    const value = (name: string): string => JSON.stringify({ metadata: { name }, data: { v: 'x'.repeat(1_000) } });
    // Interleaved resources: c1 (rev +1), s1 (+2), c2 (+3), s2 (+4), c3 (+5).
    for (const [r, n] of [
      ['configmaps', 'c1'],
      ['secrets', 's1'],
      ['configmaps', 'c2'],
      ['secrets', 's2'],
      ['configmaps', 'c3'],
    ] as const) {
      await store.create(`/registry/${r}/default/${n}`, value(n));
    }
    await cache.fresh();
    const stats = cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(3_500);
    expect(stats.events).toBe(3);
    // The two oldest events went, whichever resource they belonged to.
    expect(evicted).toEqual(['configmaps:bytes', 'secrets:bytes']);
    expect(cache.subscribe('configmaps', start, () => undefined)).toBeUndefined();
    expect(cache.subscribe('secrets', start + 1, () => undefined)).toBeUndefined();
    const cms = cache.subscribe('configmaps', start + 1, () => undefined)!;
    expect(cms.replay.map((e) => e.key.split('/').pop())).toEqual(['c2', 'c3']);
    const secrets = cache.subscribe('secrets', start + 2, () => undefined)!;
    expect(secrets.replay.map((e) => e.key.split('/').pop())).toEqual(['s2']);
    // Evicted events are only gone from the window: the objects stay.
    expect(cache.list('configmaps', '/registry/configmaps/')).toHaveLength(3);
    await cache.stop();
  });

  it('counts evictions past windowSize as capacity, and one event larger than the budget empties the window', async () => {
    const store = await openMemoryStore();
    stores.push(store);
    const evicted: string[] = [];
    const cache = new WatchCache(store, '/registry/', { windowSize: 2, maxBytes: 5_000, onEvict: (r, reason) => evicted.push(`${r}:${reason}`) });
    await cache.start();
    for (const n of ['a', 'b', 'c']) await store.create(`/registry/configmaps/default/${n}`, JSON.stringify({ metadata: { name: n } }));
    await cache.fresh();
    expect(evicted).toEqual(['configmaps:capacity']);
    const kv = await store.create('/registry/configmaps/default/huge', JSON.stringify({ metadata: { name: 'huge' }, data: { v: 'x'.repeat(6_000) } }));
    await cache.fresh();
    expect(cache.stats()).toEqual({ bytes: 0, events: 0, resources: [] });
    // Right at the newest revision the (empty) window still serves; before it, the store must.
    expect(cache.subscribe('configmaps', kv.modRevision, () => undefined)?.replay).toEqual([]);
    expect(cache.subscribe('configmaps', kv.modRevision - 1, () => undefined)).toBeUndefined();
    await cache.stop();
  });

  it('keeps one copy of an updated object: prev is the object the cache held', async () => {
    const store = await openMemoryStore();
    stores.push(store);
    const cache = new WatchCache(store, '/registry/');
    await cache.start();
    const key = '/registry/configmaps/default/a';
    const v1 = JSON.stringify({ metadata: { name: 'a' }, data: { v: '1'.repeat(1_000) } });
    const v2 = JSON.stringify({ metadata: { name: 'a' }, data: { v: '2'.repeat(1_000) } });
    const seen: CacheEvent[] = [];
    cache.subscribe('configmaps', undefined, (ev) => seen.push(ev));
    await store.create(key, v1);
    await cache.fresh();
    const first = cache.get('configmaps', key);
    await store.update(key, v2);
    await store.delete(key);
    await cache.fresh();
    expect(seen.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(seen[1]!.prev).toBe(first);
    expect(seen[1]!.bytes).toBe(v2.length);
    expect(seen[2]!.prev).toBe(seen[1]!.object);
    expect(seen[2]!.object['data']).toBe(seen[1]!.object['data']);
    expect((seen[2]!.object['metadata'] as Record<string, unknown>)['resourceVersion']).toBe(String(seen[2]!.revision));
    expect((seen[1]!.object['metadata'] as Record<string, unknown>)['resourceVersion']).toBe(String(seen[1]!.revision));
    expect(cache.stats().bytes).toBe(v1.length + v2.length + v2.length);
    await cache.stop();
  });

  it('relists after the store watch breaks and ends open subscriptions, then keeps following', async () => {
    const base = await openMemoryStore();
    stores.push(base);
    const errors: unknown[] = [];
    const cache = new WatchCache(breakingStore(base, 2), '/registry/', { onError: (e) => errors.push(e) });
    await cache.start();
    const seen: CacheEvent[] = [];
    cache.subscribe('configmaps', undefined, (ev) => seen.push(ev));
    for (const n of ['a', 'b', 'c']) await base.create(`/registry/configmaps/default/${n}`, JSON.stringify({ metadata: { name: n } }));
    await until(() => errors.length === 1);
    await until(() => seen.some((e) => e.revision === -1));
    // The rebuilt cache holds everything, including writes made while it relisted.
    await base.create('/registry/configmaps/default/d', JSON.stringify({ metadata: { name: 'd' } }));
    await cache.fresh();
    expect(cache.list('configmaps', '/registry/configmaps/').map((o) => (o['metadata'] as { name: string }).name)).toEqual(['a', 'b', 'c', 'd']);
    await cache.stop();
  });
});
