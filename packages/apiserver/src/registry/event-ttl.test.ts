import { openMemoryStore, type Store } from '@mk8s/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventReaper, lastActivity } from './event-ttl.js';
import { objectKey } from './keys.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function event(name: string, stamps: { created?: number; last?: number; eventTime?: number; series?: number } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Event',
    // JSON.stringify drops the undefined members: an Event without those timestamps.
    metadata: { name, namespace: 'default', creationTimestamp: stamps.created === undefined ? undefined : iso(stamps.created) },
    lastTimestamp: stamps.last === undefined ? undefined : iso(stamps.last),
    eventTime: stamps.eventTime === undefined ? undefined : new Date(stamps.eventTime).toISOString().replace('Z', '000Z'),
    series: stamps.series === undefined ? undefined : { count: 2, lastObservedTime: new Date(stamps.series).toISOString().replace('Z', '000Z') },
    reason: 'Test',
  });
}

describe('lastActivity', () => {
  it('is the newest of the timestamps an Event carries, and NaN without any', () => {
    expect(lastActivity(JSON.parse(event('a', { created: T0, last: T0 + 5000 })))).toBe(T0 + 5000);
    expect(lastActivity(JSON.parse(event('b', { created: T0 + 9000, last: T0 })))).toBe(T0 + 9000);
    expect(lastActivity(JSON.parse(event('c', { created: T0, series: T0 + 7123 })))).toBe(T0 + 7123);
    expect(lastActivity(JSON.parse(event('d', { eventTime: T0 + 1 })))).toBe(T0 + 1);
    expect(lastActivity(JSON.parse(event('e')))).toBeNaN();
    expect(lastActivity({ metadata: { creationTimestamp: 'not a time' } })).toBeNaN();
  });
});

describe('EventReaper', () => {
  let store: Store & { close(): Promise<void> };
  let now = T0;
  const key = (name: string) => objectKey('events', 'default', name);
  const reaper = () => new EventReaper(store, { ttlMs: HOUR, now: () => now });

  beforeEach(async () => {
    store = await openMemoryStore();
    now = T0;
  });
  afterEach(async () => {
    await store.close();
  });

  it('deletes Events whose last activity is a TTL old, keeps younger ones, and leaves other resources alone', async () => {
    await store.create(key('old'), event('old', { created: T0 - 2 * HOUR, last: T0 - HOUR - 1 }));
    await store.create(key('renewed'), event('renewed', { created: T0 - 2 * HOUR, last: T0 - 60_000 }));
    await store.create(key('series'), event('series', { created: T0 - 3 * HOUR, series: T0 - 1000 }));
    await store.create(objectKey('configmaps', 'default', 'old'), JSON.stringify({ metadata: { creationTimestamp: iso(T0 - 9 * HOUR) } }));
    const r = reaper();
    expect(await r.scan()).toBe(1);
    expect(await store.get(key('old'))).toBeUndefined();
    expect(await store.get(key('renewed'))).toBeDefined();
    expect(await store.get(key('series'))).toBeDefined();
    expect(await store.get(objectKey('configmaps', 'default', 'old'))).toBeDefined();
    now = T0 + HOUR;
    expect(await r.scan()).toBe(2);
    expect(await store.count('/registry/events/')).toBe(0);
  });

  it('counts a write that changes no timestamp as activity, from the pass that first sees it', async () => {
    await store.create(key('edited'), event('edited', { created: T0 - 2 * HOUR }));
    const r = reaper();
    // First pass after a start: the revision's write time is unknown, so the timestamps decide.
    await store.create(key('other'), event('other', { created: T0 }));
    now = T0 - 2 * HOUR + 1000; // before it expires
    expect(await r.scan()).toBe(0);
    // A label edit: same timestamps, new revision, seen by the next pass.
    const cur = await store.get(key('edited'));
    await store.update(key('edited'), cur!.value.replace('"reason":"Test"', '"reason":"Test","x":1'));
    now = T0 - HOUR / 2;
    expect(await r.scan()).toBe(0);
    now = T0 + 1000; // 2 h after its creation, but only 30 min after the pass that saw the edit
    expect(await r.scan()).toBe(0);
    now = T0 + HOUR / 2; // a TTL after that pass: it goes; 'other' (created at T0) stays
    expect(await r.scan()).toBe(1);
    expect(await store.get(key('edited'))).toBeUndefined();
    expect(await store.get(key('other'))).toBeDefined();
  });

  it('gives an Event without any timestamp a full TTL from the pass that first sees it', async () => {
    await store.create(key('bare'), event('bare'));
    const r = reaper();
    expect(await r.scan()).toBe(0);
    now = T0 + HOUR - 1;
    expect(await r.scan()).toBe(0);
    now = T0 + HOUR;
    expect(await r.scan()).toBe(1);
  });

  it('loses a race to a concurrent write without error: the newer Event stays', async () => {
    await store.create(key('racy'), event('racy', { created: T0 - 3 * HOUR }));
    const racing: Store & { close(): Promise<void> } = Object.create(store) as typeof store;
    racing.delete = async (k, rev) => {
      await store.update(k, event('racy', { created: T0 - 3 * HOUR, last: T0 }));
      return store.delete(k, rev);
    };
    const r = new EventReaper(racing, { ttlMs: HOUR, now: () => now });
    expect(await r.scan()).toBe(0);
    expect(JSON.parse((await store.get(key('racy')))!.value).lastTimestamp).toBe(iso(T0));
  });

  it('pages through many Events at one revision', async () => {
    for (let i = 0; i < 1203; i++) await store.create(key(`e${String(i).padStart(4, '0')}`), event(`e${i}`, { created: T0 - 2 * HOUR }));
    await store.create(key('young'), event('young', { created: T0 }));
    expect(await reaper().scan()).toBe(1203);
    expect(await store.count('/registry/events/')).toBe(1);
  });

  it('refuses a TTL that is not positive', () => {
    expect(() => new EventReaper(store, { ttlMs: 0 })).toThrow(/positive/);
  });
});
