import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { FakeListerWatcher, listOf } from './fake-lister-watcher.js';
import { silentLogger, type Logger } from '../logger.js';
import { Reflector, statusIsGone, type ReflectorOptions, type ReflectorStore } from './reflector.js';

function cm(name: string, rv: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default', name, resourceVersion: rv } };
}

function bookmark(rv: string): { type: 'BOOKMARK'; object: KubeObject } {
  return { type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { resourceVersion: rv } } };
}

function errorEvent(code: number, reason: string): { type: 'ERROR'; object: KubeObject } {
  return { type: 'ERROR', object: { kind: 'Status', code, reason } as KubeObject };
}

class RecordingStore implements ReflectorStore<KubeObject> {
  calls: string[] = [];
  throwOn: string | undefined;
  add(o: KubeObject): void {
    this.record(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`);
  }
  update(o: KubeObject): void {
    this.record(`update ${o.metadata?.name}@${o.metadata?.resourceVersion}`);
  }
  delete(o: KubeObject): void {
    this.record(`delete ${o.metadata?.name}@${o.metadata?.resourceVersion}`);
  }
  replace(list: KubeObject[], rv: string): void {
    this.record(`replace [${list.map((o) => o.metadata?.name).join(',')}]@${rv}`);
  }
  resync(): void {
    this.record('resync');
  }
  private record(call: string): void {
    this.calls.push(call);
    if (this.throwOn && call.startsWith(this.throwOn)) throw new Error(`store refuses ${call}`);
  }
}

function quietLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { ...silentLogger, lines, warn: (_f, msg) => void lines.push(`warn: ${msg}`), error: (_f, msg) => void lines.push(`error: ${msg}`) };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 2000) throw new Error(`gave up waiting for ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** Lets every pending promise chain run, without moving the fake clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

const transportError = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('Reflector', () => {
  let ac: AbortController;
  let running: Promise<void> | undefined;
  afterEach(async () => {
    ac?.abort();
    await running;
    running = undefined;
  });

  function start(lw: FakeListerWatcher, opts: ReflectorOptions = {}) {
    const clock = new FakeClock();
    const store = new RecordingStore();
    const logger = quietLogger();
    const r = new Reflector(lw, store, { clock, logger, random: () => 0, ...opts });
    ac = new AbortController();
    running = r.run(ac.signal);
    return { r, clock, store, logger };
  }

  it('lists, replaces the store, then watches from the list resourceVersion with bookmarks', async () => {
    const lw = new FakeListerWatcher();
    const { r, store } = start(lw);
    await lw.listCalls(1);
    expect(r.hasSynced()).toBe(false);
    lw.pushList(listOf('10', [cm('a', '5'), cm('b', '9')]));
    const w = await lw.watchNo(0);
    expect(r.hasSynced()).toBe(true);
    expect(w.opts).toMatchObject({ resourceVersion: '10', allowWatchBookmarks: true });
    expect(w.opts.signal).toBeInstanceOf(AbortSignal);
    w.emit({ type: 'ADDED', object: cm('c', '11') }, { type: 'MODIFIED', object: cm('a', '12') }, { type: 'DELETED', object: cm('b', '13') });
    await until(() => store.calls.length === 4, 'events');
    expect(store.calls).toEqual(['replace [a,b]@10', 'add c@11', 'update a@12', 'delete b@13']);
    expect(r.lastSyncResourceVersion()).toBe('13');
  });

  it('moves the resourceVersion on BOOKMARK without touching the store, and resumes from it', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('10', []));
    const { r, store } = start(lw);
    const w = await lw.watchNo(0);
    w.emit(bookmark('15'));
    await until(() => r.lastSyncResourceVersion() === '15', 'bookmark');
    expect(store.calls).toEqual(['replace []@10']);
    w.end();
    const w2 = await lw.watchNo(1);
    expect(w2.opts.resourceVersion).toBe('15');
    expect(lw.lists).toHaveLength(1);
  });

  it('rewatches at once from the last resourceVersion when the server ends the stream', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('10', []));
    const { clock, store } = start(lw);
    const w = await lw.watchNo(0);
    w.emit({ type: 'ADDED', object: cm('a', '11') }, { type: 'MODIFIED', object: cm('a', '12') });
    w.end();
    const w2 = await lw.watchNo(1);
    expect(w.closed).toBe(true);
    expect(clock.waiting).toBe(0); // no backoff timer was involved
    expect(w2.opts.resourceVersion).toBe('12');
    w2.emit({ type: 'DELETED', object: cm('a', '13') });
    w2.end();
    const w3 = await lw.watchNo(2);
    expect(w3.opts.resourceVersion).toBe('13');
    expect(lw.lists).toHaveLength(1);
    // Each event reached the store exactly once across the reconnects.
    expect(store.calls).toEqual(['replace []@10', 'add a@11', 'update a@12', 'delete a@13']);
  });

  it('backs off before rewatching when a stream ends at once without events', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('10', []));
    const { clock } = start(lw, { minBackoffMs: 800 });
    (await lw.watchNo(0)).end();
    await settle();
    expect(lw.watches).toHaveLength(1);
    expect(clock.waiting).toBe(1);
    await clock.advance(800);
    expect((await lw.watchNo(1)).opts.resourceVersion).toBe('10');
  });

  it('after a transport error, rewatches from the last resourceVersion after a growing jittered backoff', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('10', []));
    const { clock, store, logger } = start(lw, { minBackoffMs: 800, maxBackoffMs: 30_000, jitter: 1, random: () => 0.5 });
    const w = await lw.watchNo(0);
    w.emit({ type: 'ADDED', object: cm('a', '11') });
    w.fail(transportError());
    await until(() => clock.waiting === 1, 'backoff timer');
    await clock.advance(1199);
    expect(lw.watches).toHaveLength(1);
    await clock.advance(1);
    const w2 = await lw.watchNo(1);
    expect(w2.opts.resourceVersion).toBe('11');
    // The second consecutive failure waits twice as long (1600 * 1.5).
    w2.fail(transportError());
    await until(() => clock.waiting === 1, 'second backoff timer');
    await clock.advance(2399);
    expect(lw.watches).toHaveLength(2);
    await clock.advance(1);
    expect((await lw.watchNo(2)).opts.resourceVersion).toBe('11');
    // A watch refused outright (connection refused) is handled the same way.
    lw.failNextWatch(new TypeError('fetch failed'));
    (await lw.watchNo(2)).fail(transportError());
    await until(() => clock.waiting === 1, 'third backoff timer');
    await clock.advance(4800);
    await lw.watchNo(3);
    await until(() => clock.waiting === 1, 'fourth backoff timer');
    await clock.advance(9599);
    expect(lw.watches).toHaveLength(4);
    await clock.advance(1);
    expect((await lw.watchNo(4)).opts.resourceVersion).toBe('11');
    expect(lw.lists).toHaveLength(1);
    expect(store.calls).toEqual(['replace []@10', 'add a@11']);
    expect(logger.lines.filter((l) => l.includes('watch failed'))).toHaveLength(4);
  });

  it('relists at once on an ERROR event with 410 Expired, then watches from the new list', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('10', [cm('a', '5')]));
    const { r, clock, store } = start(lw);
    const w = await lw.watchNo(0);
    w.emit({ type: 'ADDED', object: cm('b', '11') }, errorEvent(410, 'Expired'));
    await lw.listCalls(2);
    expect(clock.waiting).toBe(0);
    lw.pushList(listOf('20', [cm('b', '11'), cm('c', '19')]));
    const w2 = await lw.watchNo(1);
    expect(w.closed).toBe(true);
    expect(w2.opts.resourceVersion).toBe('20');
    expect(r.lastSyncResourceVersion()).toBe('20');
    expect(store.calls).toEqual(['replace [a]@10', 'add b@11', 'replace [b,c]@20']);
  });

  it('relists when the watch request itself is refused with 410 Gone', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('10', []));
    const { clock, store } = start(lw, { minBackoffMs: 100 });
    const w = await lw.watchNo(0);
    w.emit({ type: 'ADDED', object: cm('a', '11') });
    w.fail(transportError());
    await until(() => clock.waiting === 1, 'backoff');
    lw.failNextWatch(new ApiError({ kind: 'Status', code: 410, reason: 'Gone', message: 'too old resource version' }));
    await clock.advance(100);
    expect((await lw.watchNo(1)).opts.resourceVersion).toBe('11');
    await lw.listCalls(2);
    expect(clock.waiting).toBe(0);
    lw.pushList(listOf('30', [cm('a', '11')]));
    expect((await lw.watchNo(2)).opts.resourceVersion).toBe('30');
    expect(store.calls).toEqual(['replace []@10', 'add a@11', 'replace [a]@30']);
  });

  it('backs off before relisting when a watch from a fresh list is already 410', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('10', []), listOf('11', []));
    const { clock } = start(lw, { minBackoffMs: 100 });
    (await lw.watchNo(0)).emit(errorEvent(410, 'Expired'));
    await until(() => clock.waiting === 1, 'backoff');
    expect(lw.lists).toHaveLength(1);
    await clock.advance(100);
    expect((await lw.watchNo(1)).opts.resourceVersion).toBe('11');
  });

  it('backs off and relists on an ERROR event that is not a 410', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('10', []), listOf('12', []));
    const { clock, logger } = start(lw, { minBackoffMs: 100 });
    (await lw.watchNo(0)).emit(errorEvent(500, 'InternalError'));
    await until(() => clock.waiting === 1, 'backoff');
    expect(lw.lists).toHaveLength(1);
    await clock.advance(100);
    expect((await lw.watchNo(1)).opts.resourceVersion).toBe('12');
    expect(lw.lists).toHaveLength(2);
    expect(logger.lines).toContain('warn: watch ERROR event; relisting after backoff');
  });

  it('retries a failed list after backoff and is not synced until a list succeeds', async () => {
    const lw = new FakeListerWatcher().pushList({ error: transportError() });
    const { r, clock, store } = start(lw, { minBackoffMs: 500 });
    await until(() => clock.waiting === 1, 'backoff');
    expect(r.hasSynced()).toBe(false);
    expect(lw.watches).toHaveLength(0);
    lw.pushList({ error: new ApiError({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' }) });
    await clock.advance(500);
    await until(() => lw.lists.length === 2 && clock.waiting === 1, 'second backoff');
    expect(r.hasSynced()).toBe(false);
    lw.pushList(listOf('7', [cm('x', '7')]));
    await clock.advance(1000);
    expect((await lw.watchNo(0)).opts.resourceVersion).toBe('7');
    expect(r.hasSynced()).toBe(true);
    expect(store.calls).toEqual(['replace [x]@7']);
  });

  it('lists in pages when pageSize is set, keeping the first page resourceVersion', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('50', [cm('a', '1'), cm('b', '2')], 'tok1'), listOf('50', [cm('c', '3')]));
    const { store } = start(lw, { pageSize: 2 });
    expect((await lw.watchNo(0)).opts.resourceVersion).toBe('50');
    expect(lw.lists).toEqual([{ limit: 2 }, { limit: 2, continue: 'tok1' }]);
    expect(store.calls).toEqual(['replace [a,b,c]@50']);
  });

  it('falls back to one full list when a continue token has expired', async () => {
    const lw = new FakeListerWatcher().pushList(
      listOf('50', [cm('a', '1')], 'tok1'),
      { error: new ApiError({ kind: 'Status', code: 410, reason: 'Expired' }) },
      listOf('60', [cm('a', '1'), cm('b', '55')]),
    );
    const { store } = start(lw, { pageSize: 1 });
    expect((await lw.watchNo(0)).opts.resourceVersion).toBe('60');
    expect(lw.lists).toEqual([{ limit: 1 }, { limit: 1, continue: 'tok1' }, {}]);
    expect(store.calls).toEqual(['replace [a,b]@60']);
  });

  it('calls store.resync every resyncMs once synced', async () => {
    const lw = new FakeListerWatcher();
    const { clock, store } = start(lw, { resyncMs: 1000 });
    await lw.listCalls(1);
    await clock.advance(1000); // not synced yet: no resync
    expect(store.calls).toEqual([]);
    lw.pushList(listOf('1', []));
    await lw.watchNo(0);
    await clock.advance(1000);
    await clock.advance(1000);
    expect(store.calls).toEqual(['replace []@1', 'resync', 'resync']);
  });

  it('keeps going when a store callback throws, and stops cleanly on abort', async () => {
    const lw = new FakeListerWatcher().pushList(listOf('1', []));
    const { r, store, logger, clock } = start(lw, { resyncMs: 10 });
    store.throwOn = 'add bad';
    const w = await lw.watchNo(0);
    w.emit({ type: 'ADDED', object: cm('bad', '2') }, { type: 'ADDED', object: cm('good', '3') });
    await until(() => store.calls.length === 3, 'events');
    expect(logger.lines).toContain('error: store callback threw');
    expect(r.lastSyncResourceVersion()).toBe('3');
    ac.abort();
    await running;
    expect(w.closed).toBe(true);
    expect(clock.waiting).toBe(0); // resync timer cancelled
    // Stopped, it may be run again.
    const stopped = new AbortController();
    stopped.abort();
    await expect(r.run(stopped.signal)).resolves.toBeUndefined();
  });

  it('refuses to run twice at once, and stops even while a list is outstanding', async () => {
    const lw = new FakeListerWatcher();
    const { r } = start(lw);
    await lw.listCalls(1);
    await expect(r.run(new AbortController().signal)).rejects.toThrow(/already running/);
    ac.abort();
    await running;
    expect(r.hasSynced()).toBe(false);
  });
});

describe('statusIsGone', () => {
  it('recognises 410 and the Expired/Gone reasons', () => {
    expect(statusIsGone({ kind: 'Status', code: 410 })).toBe(true);
    expect(statusIsGone({ kind: 'Status', code: 0, reason: 'Expired' })).toBe(true);
    expect(statusIsGone({ kind: 'Status', reason: 'Gone' })).toBe(true);
    expect(statusIsGone({ kind: 'Status', code: 500, reason: 'InternalError' })).toBe(false);
    expect(statusIsGone(undefined)).toBe(false);
  });
});
