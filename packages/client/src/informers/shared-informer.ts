/**
 * A shared informer: one reflector (one LIST+WATCH) feeding one indexed cache
 * and any number of event handlers. Controllers register handlers that only
 * enqueue keys, and read state from the cache (`lister`) when they sync.
 *
 * Delivery contract:
 * - the cache is updated before handlers hear of a change, so a handler
 *   reading the lister sees at least the state it is told about;
 * - each handler sees every object's changes in the server's order; handlers
 *   are called one after another in registration order;
 * - a handler that throws (or returns a promise that rejects) is logged and
 *   skipped; the informer and the other handlers carry on;
 * - after a relist, objects that vanished while the watch was down arrive at
 *   onDelete as `DeletedFinalStateUnknown` tombstones holding the last state
 *   the cache knew, since their real final state was never seen;
 * - objects passed to handlers are the cached instances: read-only.
 */
import type { Clock } from '../clock.js';
import { realClock } from '../clock.js';
import type { KubeObject, ListerWatcher } from '../types.js';
import { Indexer, NAMESPACE_INDEX, namespaceIndex, type Indexers } from './indexer.js';
import { Lister } from './lister.js';
import { silentLogger, type Logger } from '../logger.js';
import { Reflector, type ReflectorOptions, type ReflectorStore } from './reflector.js';

/** What onDelete gets for an object whose deletion happened while the watch was down. */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    /** The last state the cache held; possibly stale. */
    readonly obj: T,
  ) {}
}

export function isDeletedFinalStateUnknown<T>(x: T | DeletedFinalStateUnknown<T>): x is DeletedFinalStateUnknown<T> {
  return x instanceof DeletedFinalStateUnknown;
}

/** The object itself, or the last known state inside a tombstone. */
export function deletedObject<T>(x: T | DeletedFinalStateUnknown<T>): T {
  return x instanceof DeletedFinalStateUnknown ? x.obj : x;
}

export interface ResourceEventHandler<T> {
  /** `isInInitialList`: the object came with the first LIST (or is replayed to a handler added later). */
  onAdd?(obj: T, isInInitialList: boolean): unknown;
  /** Also called with `oldObj === newObj` on periodic resync. */
  onUpdate?(oldObj: T, newObj: T): unknown;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): unknown;
}

export interface EventHandlerRegistration {
  /** True once this handler has been given the informer's initial contents. */
  hasSynced(): boolean;
  /** Stops deliveries to this handler; idempotent. */
  remove(): void;
}

export interface SharedInformerOptions extends Omit<ReflectorOptions, 'clock' | 'logger' | 'resyncMs'> {
  clock?: Clock;
  logger?: Logger;
  /** Calls onUpdate(obj, obj) for every cached object this often; 0 or unset: never. */
  resyncMs?: number;
  /** Extra indexes from the start; the namespace index is always present. */
  indexers?: Indexers<KubeObject>;
}

type Notification<T> =
  { kind: 'add'; obj: T; initial: boolean } | { kind: 'update'; old: T; obj: T } | { kind: 'delete'; obj: T | DeletedFinalStateUnknown<T> };

/**
 * One handler with its own queue. Notifications are normally delivered at
 * once; the queue exists so that a handler added late gets its replay of the
 * cache after `addEventHandler` returns, yet still before any later change.
 */
class Listener<T> {
  private readonly queue: Notification<T>[] = [];
  private draining = false;
  private pendingInitial = 0;
  removed = false;

  constructor(
    readonly handler: ResourceEventHandler<T>,
    private readonly log: Logger,
    private readonly name: string,
  ) {}

  enqueue(n: Notification<T>): void {
    if (this.removed) return;
    if (n.kind === 'add' && n.initial) this.pendingInitial++;
    this.queue.push(n);
  }

  get initialDelivered(): boolean {
    return this.pendingInitial === 0;
  }

  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let n = this.queue.shift(); n !== undefined && !this.removed; n = this.queue.shift()) {
        if (n.kind === 'add' && n.initial) this.pendingInitial--;
        this.deliver(n);
      }
      if (this.removed) this.queue.length = 0;
    } finally {
      this.draining = false;
    }
  }

  private deliver(n: Notification<T>): void {
    let result: unknown;
    try {
      if (n.kind === 'add') result = this.handler.onAdd?.(n.obj, n.initial);
      else if (n.kind === 'update') result = this.handler.onUpdate?.(n.old, n.obj);
      else result = this.handler.onDelete?.(n.obj);
    } catch (err) {
      this.log.error({ err, informer: this.name, event: n.kind }, 'event handler threw');
      return;
    }
    if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (err: unknown) => this.log.error({ err, informer: this.name, event: n.kind }, 'event handler rejected'));
    }
  }
}

export class SharedInformer<T extends KubeObject> {
  private readonly indexer: Indexer<T>;
  private readonly listeners: Listener<T>[] = [];
  private readonly log: Logger;
  private readonly name: string;
  private readonly reflector: Reflector<T>;
  private synced = false;
  private started = false;
  private readonly syncWaiters = new Set<() => void>();
  readonly lister: Lister<T>;

  constructor(lw: ListerWatcher<T>, opts: SharedInformerOptions = {}) {
    const { clock, logger, indexers, ...reflectorOpts } = opts;
    this.log = logger ?? silentLogger;
    this.name = opts.name ?? 'informer';
    this.indexer = new Indexer<T>({ [NAMESPACE_INDEX]: namespaceIndex, ...indexers });
    this.lister = new Lister(this.indexer);
    const store: ReflectorStore<T> = {
      add: (obj) => this.onUpsert(obj),
      update: (obj) => this.onUpsert(obj),
      delete: (obj) => this.onDelete(obj),
      replace: (list, rv) => this.onReplace(list, rv),
      resync: () => this.onResync(),
    };
    this.reflector = new Reflector(lw, store, { ...reflectorOpts, clock: clock ?? realClock, logger: this.log, name: this.name });
  }

  /**
   * Registers a handler. If the cache already holds objects, the handler is
   * first given each of them as onAdd(obj, true), after this call returns and
   * before any later change.
   */
  addEventHandler(handler: ResourceEventHandler<T>): EventHandlerRegistration {
    const l = new Listener<T>(handler, this.log, this.name);
    this.listeners.push(l);
    const existing = this.indexer.list();
    if (existing.length > 0) {
      for (const obj of existing) l.enqueue({ kind: 'add', obj, initial: true });
      queueMicrotask(() => l.drain());
    }
    return {
      hasSynced: () => this.synced && l.initialDelivered,
      remove: () => {
        l.removed = true;
        const i = this.listeners.indexOf(l);
        if (i >= 0) this.listeners.splice(i, 1);
      },
    };
  }

  /** True once the first LIST has been put in the cache and given to the handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.syncWaiters.delete(onSync);
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const onSync = (): void => done(true);
      const onAbort = (): void => done(false);
      this.syncWaiters.add(onSync);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The cache. Read-only for everyone but this informer; objects in it are shared. */
  getStore(): Indexer<T> {
    return this.indexer;
  }

  /** Adds indexes; existing objects are indexed at once. */
  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  /** Whether `run` has been called. */
  isStarted(): boolean {
    return this.started;
  }

  /** Lists and watches until `signal` aborts. One run per informer: a second call rejects. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`${this.name}: run() may be called only once`);
    this.started = true;
    await this.reflector.run(signal);
  }

  private onUpsert(obj: T): void {
    const old = this.indexer.getByObject(obj);
    this.indexer.update(obj);
    this.dispatch(old === undefined ? { kind: 'add', obj, initial: false } : { kind: 'update', old, obj });
  }

  private onDelete(obj: T): void {
    this.indexer.delete(obj);
    this.dispatch({ kind: 'delete', obj });
  }

  /**
   * A fresh LIST: the difference from the cache becomes events. New keys are
   * adds, keys whose resourceVersion moved are updates, unchanged ones are
   * silent, and keys no longer listed are tombstoned deletes.
   */
  private onReplace(list: T[], rv: string): void {
    const initial = !this.synced;
    const before = new Map(this.indexer.keys().map((k) => [k, this.indexer.get(k)!] as const));
    this.indexer.replace(list, rv);
    const notes: Notification<T>[] = [];
    for (const obj of list) {
      const key = this.indexer.keyFor(obj);
      const old = before.get(key);
      if (old === undefined) {
        notes.push({ kind: 'add', obj, initial });
      } else {
        before.delete(key);
        if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) notes.push({ kind: 'update', old, obj });
      }
    }
    for (const [key, old] of before) notes.push({ kind: 'delete', obj: new DeletedFinalStateUnknown(key, old) });
    for (const n of notes) this.dispatch(n);
    if (initial) {
      this.synced = true;
      for (const w of [...this.syncWaiters]) w();
    }
  }

  private onResync(): void {
    for (const obj of this.indexer.list()) this.dispatch({ kind: 'update', old: obj, obj });
  }

  private dispatch(n: Notification<T>): void {
    for (const l of [...this.listeners]) {
      l.enqueue(n);
      l.drain();
    }
  }
}
