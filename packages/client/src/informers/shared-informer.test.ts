import { parseLabelSelector } from '@mk8s/api';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import type { KubeObject } from '../types.js';
import { FakeListerWatcher, listOf } from './fake-lister-watcher.js';
import { NODE_NAME_INDEX, nodeNameIndex } from './indexer.js';
import { silentLogger, type Logger } from '../logger.js';
import {
  DeletedFinalStateUnknown,
  SharedInformer,
  deletedObject,
  isDeletedFinalStateUnknown,
  type ResourceEventHandler,
  type SharedInformerOptions,
} from './shared-informer.js';

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

function pod(name: string, rv: string, opts: { node?: string; labels?: Record<string, string>; ns?: string } = {}): Pod {
  return {
    kind: 'Pod',
    metadata: { namespace: opts.ns ?? 'default', name, resourceVersion: rv, labels: opts.labels },
    spec: opts.node ? { nodeName: opts.node } : undefined,
  };
}

const at = (o: KubeObject): string => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;

/** A handler that writes down what it is told, in order. */
function recorder(): ResourceEventHandler<Pod> & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    onAdd: (o, initial) => void log.push(`add ${at(o)}${initial ? ' (initial)' : ''}`),
    onUpdate: (a, b) => void log.push(`update ${at(a)} -> ${at(b)}`),
    onDelete: (o) => void log.push(isDeletedFinalStateUnknown(o) ? `tombstone ${o.key} ${at(o.obj)}` : `delete ${at(o)}`),
  };
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

describe('SharedInformer', () => {
  let ac: AbortController;
  let running: Promise<void> | undefined;
  afterEach(async () => {
    ac?.abort();
    await running;
    running = undefined;
  });

  function start(lw: FakeListerWatcher<Pod>, opts: SharedInformerOptions = {}, handler?: ResourceEventHandler<Pod>) {
    const clock = new FakeClock();
    const logger = quietLogger();
    const inf = new SharedInformer<Pod>(lw, { clock, logger, random: () => 0, ...opts });
    if (handler) inf.addEventHandler(handler);
    ac = new AbortController();
    running = inf.run(ac.signal);
    return { inf, clock, logger };
  }

  it('delivers the initial list as initial adds and then reports synced', async () => {
    const lw = new FakeListerWatcher<Pod>();
    const h = recorder();
    const { inf } = start(lw, {}, h);
    const synced = inf.waitForSync();
    await lw.listCalls(1);
    expect(inf.hasSynced()).toBe(false);
    lw.pushList(listOf('10', [pod('a', '5'), pod('b', '9')]));
    await expect(synced).resolves.toBe(true);
    expect(inf.hasSynced()).toBe(true);
    expect(h.log).toEqual(['add a@5 (initial)', 'add b@9 (initial)']);
    expect(inf.lastSyncResourceVersion()).toBe('10');
  });

  it('waitForSync resolves false when its signal aborts first', async () => {
    const lw = new FakeListerWatcher<Pod>();
    const { inf } = start(lw);
    const stop = new AbortController();
    const p = inf.waitForSync(stop.signal);
    stop.abort();
    await expect(p).resolves.toBe(false);
  });

  it('turns watch events into add/update/delete with the cache already updated', async () => {
    const lw = new FakeListerWatcher<Pod>().pushList(listOf('10', [pod('a', '5')]));
    const seen: string[] = [];
    const h = recorder();
    const { inf } = start(lw, {}, h);
    inf.addEventHandler({
      onAdd: (o) => void seen.push(`cache has ${at(inf.lister.namespace('default').get(o.metadata!.name!)!)}`),
      onUpdate: (_o, n) => void seen.push(`cache has ${at(inf.getStore().get('default/' + n.metadata!.name)!)}`),
      onDelete: (o) => void seen.push(`cache has ${inf.getStore().get('default/' + deletedObject(o).metadata!.name) ? 'it' : 'nothing'}`),
    });
    const w = await lw.watchNo(0);
    w.emit(
      { type: 'ADDED', object: pod('b', '11') },
      { type: 'MODIFIED', object: pod('a', '12') },
      { type: 'DELETED', object: pod('b', '13') },
      // A MODIFIED for an object the cache does not know is an add; a repeated ADDED is an update.
      { type: 'MODIFIED', object: pod('c', '14') },
      { type: 'ADDED', object: pod('c', '15') },
    );
    await until(() => h.log.length === 6, 'events');
    expect(h.log).toEqual(['add a@5 (initial)', 'add b@11', 'update a@5 -> a@12', 'delete b@13', 'add c@14', 'update c@14 -> c@15']);
    expect(seen).toEqual(['cache has a@5', 'cache has b@11', 'cache has a@12', 'cache has nothing', 'cache has c@14', 'cache has c@15']);
    expect(inf.getStore().keys().sort()).toEqual(['default/a', 'default/c']);
  });

  it('moves the resourceVersion on a bookmark without calling handlers', async () => {
    const lw = new FakeListerWatcher<Pod>().pushList(listOf('10', [pod('a', '5')]));
    const h = recorder();
    const { inf } = start(lw, {}, h);
    const w = await lw.watchNo(0);
    w.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '40' } } });
    await until(() => inf.lastSyncResourceVersion() === '40', 'bookmark');
    expect(h.log).toEqual(['add a@5 (initial)']);
  });

  it('after a 410 relists and reports the difference, with tombstones for deletes it missed', async () => {
    const lw = new FakeListerWatcher<Pod>().pushList(listOf('10', [pod('a', '1'), pod('b', '2'), pod('c', '3')]));
    const h = recorder();
    const { inf } = start(lw, {}, h);
    const w = await lw.watchNo(0);
    w.emit({ type: 'MODIFIED', object: pod('a', '11') }, { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } as KubeObject });
    await lw.listCalls(2);
    // While disconnected: b changed, c was deleted, d was created; a is unchanged since 11.
    lw.pushList(listOf('30', [pod('a', '11'), pod('b', '25'), pod('d', '28')]));
    expect((await lw.watchNo(1)).opts.resourceVersion).toBe('30');
    expect(h.log).toEqual([
      'add a@1 (initial)',
      'add b@2 (initial)',
      'add c@3 (initial)',
      'update a@1 -> a@11',
      'update b@2 -> b@25',
      'add d@28',
      'tombstone default/c c@3',
    ]);
    expect(inf.getStore().keys().sort()).toEqual(['default/a', 'default/b', 'default/d']);
    expect(inf.getStore().lastReplaceResourceVersion()).toBe('30');
  });

  it('gives a handler added after sync the existing objects first, after addEventHandler returns', async () => {
    const lw = new FakeListerWatcher<Pod>().pushList(listOf('10', [pod('a', '1'), pod('b', '2')]));
    const { inf } = start(lw);
    const w = await lw.watchNo(0);
    expect(inf.hasSynced()).toBe(true);
    const late = recorder();
    const reg = inf.addEventHandler(late);
    expect(late.log).toEqual([]);
    expect(reg.hasSynced()).toBe(false);
    // Later changes follow the replay.
    w.emit({ type: 'MODIFIED', object: pod('a', '11') });
    await until(() => late.log.length === 3, 'late handler');
    expect(late.log).toEqual(['add a@1 (initial)', 'add b@2 (initial)', 'update a@1 -> a@11']);
    expect(reg.hasSynced()).toBe(true);
  });

  it('stops delivering to a removed handler', async () => {
    const lw = new FakeListerWatcher<Pod>().pushList(listOf('10', []));
    const h = recorder();
    const other = recorder();
    const { inf } = start(lw);
    const reg = inf.addEventHandler(h);
    inf.addEventHandler(other);
    const w = await lw.watchNo(0);
    w.emit({ type: 'ADDED', object: pod('a', '11') });
    await until(() => h.log.length === 1, 'first event');
    reg.remove();
    reg.remove();
    w.emit({ type: 'ADDED', object: pod('b', '12') });
    await until(() => other.log.length === 2, 'second event');
    expect(h.log).toEqual(['add a@11']);
  });

  it('calls onUpdate(obj, obj) for every cached object on each resync period', async () => {
    const lw = new FakeListerWatcher<Pod>().pushList(listOf('10', [pod('a', '1'), pod('b', '2')]));
    const h = recorder();
    const { clock } = start(lw, { resyncMs: 60_000 }, h);
    await lw.watchNo(0);
    await clock.advance(59_999);
    expect(h.log).toHaveLength(2);
    await clock.advance(1);
    expect(h.log.slice(2)).toEqual(['update a@1 -> a@1', 'update b@2 -> b@2']);
    await clock.advance(60_000);
    expect(h.log).toHaveLength(6);
  });

  it('logs a throwing or rejecting handler and keeps delivering to it and to the others', async () => {
    const lw = new FakeListerWatcher<Pod>().pushList(listOf('10', []));
    const got: string[] = [];
    const bad: ResourceEventHandler<Pod> = {
      onAdd: (o) => {
        got.push(`bad ${at(o)}`);
        if (o.metadata?.name === 'boom') throw new Error('handler bug');
      },
      onUpdate: async () => {
        throw new Error('async handler bug');
      },
    };
    const good = recorder();
    const { inf, logger } = start(lw, {}, bad);
    inf.addEventHandler(good);
    const w = await lw.watchNo(0);
    w.emit({ type: 'ADDED', object: pod('boom', '11') }, { type: 'ADDED', object: pod('fine', '12') }, { type: 'MODIFIED', object: pod('fine', '13') });
    await until(() => good.log.length === 3 && logger.lines.length === 2, 'events');
    expect(got).toEqual(['bad boom@11', 'bad fine@12']);
    expect(good.log).toEqual(['add boom@11', 'add fine@12', 'update fine@12 -> fine@13']);
    expect(logger.lines).toEqual(['error: event handler threw', 'error: event handler rejected']);
    expect(inf.getStore().size).toBe(2);
  });

  it('keeps custom indexes and the namespace index current, readable through the lister', async () => {
    const lw = new FakeListerWatcher<Pod>().pushList(
      listOf('10', [pod('a', '1', { node: 'n1', labels: { app: 'web' } }), pod('b', '2', { ns: 'other', labels: { app: 'db' } })]),
    );
    const { inf } = start(lw);
    inf.addIndexers({ [NODE_NAME_INDEX]: nodeNameIndex });
    const w = await lw.watchNo(0);
    expect(inf.lister.byIndex(NODE_NAME_INDEX, 'n1').map(at)).toEqual(['a@1']);
    w.emit({ type: 'MODIFIED', object: pod('a', '11', { node: 'n2', labels: { app: 'web' } }) }, { type: 'ADDED', object: pod('c', '12', { node: 'n2' }) });
    await until(() => inf.lastSyncResourceVersion() === '12', 'events');
    expect(inf.lister.byIndex(NODE_NAME_INDEX, 'n1')).toEqual([]);
    expect(inf.lister.byIndex(NODE_NAME_INDEX, 'n2').map(at).sort()).toEqual(['a@11', 'c@12']);
    expect(inf.lister.namespace('other').list().map(at)).toEqual(['b@2']);
    expect(inf.lister.list(parseLabelSelector('app')).map(at).sort()).toEqual(['a@11', 'b@2']);
  });

  it('runs only once', async () => {
    const lw = new FakeListerWatcher<Pod>();
    const { inf } = start(lw);
    expect(inf.isStarted()).toBe(true);
    await expect(inf.run(new AbortController().signal)).rejects.toThrow(/only once/);
  });

  it('exposes tombstones as a class with the key and last known state', () => {
    const t = new DeletedFinalStateUnknown('default/x', pod('x', '3'));
    expect(isDeletedFinalStateUnknown(t)).toBe(true);
    expect(deletedObject(t).metadata?.name).toBe('x');
    expect(isDeletedFinalStateUnknown(pod('x', '3'))).toBe(false);
  });
});
