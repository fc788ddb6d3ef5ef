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
