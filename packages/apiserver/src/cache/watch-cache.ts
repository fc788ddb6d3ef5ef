/**
 * The watch cache: one store watch on the whole registry feeds an in-memory
 * copy of every resource plus a window of recent events, so any number of
 * lists and watches cost no store reads (ARCHITECTURE.md section 5).
 *
 * Invariants:
 * - Events are applied in revision order; `revision` is the revision of the
 *   last store event applied (or of the initial list), across all resources.
 * - A listener registered in the same tick as a snapshot is taken sees every
 *   event after that snapshot and none before it (there is no await between).
 * - A resource's window holds every event of that resource with revision >
 *   `floor`; older starting points are served by the store (see `Watchable`).
 */
import type { Store, WatchEvent as StoreEvent } from '@mk8s/storage';

export type Obj = Record<string, unknown>;

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  /** The object after the event, `metadata.resourceVersion` set (for DELETED: the last state, at the delete's revision). */
  object: Obj;
  /** The object before the event (absent for ADDED). */
  prev?: Obj;
  revision: number;
}

export type Listener = (ev: CacheEvent) => void;

/** Parses a stored value and stamps its resourceVersion. */
export function decodeStored(value: string, revision: number): Obj {
  const obj = JSON.parse(value) as Obj;
  const meta = (obj['metadata'] ??= {}) as Obj;
  meta['resourceVersion'] = String(revision);
  return obj;
}

export function fromStoreEvent(ev: StoreEvent): CacheEvent {
  const object = decodeStored(ev.kv.value, ev.kv.modRevision);
  const prev = ev.prevKv ? decodeStored(ev.prevKv.value, ev.prevKv.modRevision) : undefined;
  const type = ev.type === 'create' ? 'ADDED' : ev.type === 'update' ? 'MODIFIED' : 'DELETED';
  return { type, key: ev.kv.key, object, ...(prev ? { prev } : {}), revision: ev.kv.modRevision };
}

class ResourceCache {
  readonly objects = new Map<string, Obj>();
  private readonly window: CacheEvent[] = [];
  private head = 0;
  /** The window holds every event with revision > floor. */
  floor: number;
  readonly listeners = new Set<Listener>();

  constructor(
    private readonly capacity: number,
    startRevision: number,
  ) {
    this.floor = startRevision;
  }

  apply(ev: CacheEvent): void {
    if (ev.type === 'DELETED') this.objects.delete(ev.key);
    else this.objects.set(ev.key, ev.object);
    if (this.window.length < this.capacity) this.window.push(ev);
    else {
      this.floor = this.window[this.head]!.revision;
      this.window[this.head] = ev;
      this.head = (this.head + 1) % this.capacity;
    }
    for (const l of this.listeners) l(ev);
  }

  /** Events with revision > after, in order; undefined if the window no longer reaches back that far. */
  since(after: number): CacheEvent[] | undefined {
    if (after < this.floor) return undefined;
    const n = this.window.length;
    const out: CacheEvent[] = [];
    for (let i = 0; i < n; i++) {
      const ev = this.window[(this.head + i) % n]!;
      if (ev.revision > after) out.push(ev);
    }
    return out;
  }
}

export interface WatchCacheOptions {
  /** Events kept per resource for resuming watches (default 10,000). */
  windowSize?: number;
  /** Called when the store watch fails (e.g. overflow); the cache restarts itself. */
  onError?: (err: unknown) => void;
}

export class WatchCache {
  private readonly caches = new Map<string, ResourceCache>();
  private rev = 0;
  private readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private waiters: Array<{ rev: number; resolve: () => void }> = [];
  private readonly windowSize: number;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly prefix = '/registry/',
    private readonly opts: WatchCacheOptions = {},
  ) {
    this.windowSize = opts.windowSize ?? 10_000;
    this.readyPromise = new Promise((r) => (this.resolveReady = r));
  }

  /** Lists everything, then follows the store; resolves once the first list is loaded. */
  start(): Promise<void> {
    this.loop ??= this.run();
    return this.readyPromise;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  get revision(): number {
    return this.rev;
  }

  /** Resolves when every write up to `rev` has been applied (for consistent reads). */
  waitFor(rev: number): Promise<void> {
    if (this.rev >= rev) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ rev, resolve }));
  }

  /** Waits until the cache has caught up with the store's current revision. */
  async fresh(): Promise<void> {
    await this.readyPromise;
    await this.waitFor(this.store.currentRevision());
  }

  private resourceCache(resource: string): ResourceCache {
    let c = this.caches.get(resource);
    if (!c) {
      c = new ResourceCache(this.windowSize, this.rev);
      this.caches.set(resource, c);
    }
    return c;
  }

  private resourceOf(key: string): string {
    const rest = key.slice(this.prefix.length);
    const slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.slice(0, slash);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const listed = await this.store.list(this.prefix);
        const fresh = new Map<string, Map<string, Obj>>();
        for (const kv of listed.items) {
          const r = this.resourceOf(kv.key);
          let m = fresh.get(r);
          if (!m) fresh.set(r, (m = new Map()));
          m.set(kv.key, decodeStored(kv.value, kv.modRevision));
        }
        this.reset(fresh, listed.revision);
        this.resolveReady();
        for await (const ev of this.store.watch(this.prefix, { afterRevision: listed.revision, signal })) {
          this.applyEvent(fromStoreEvent(ev));
        }
      } catch (err) {
        if (signal.aborted) return;
        this.opts.onError?.(err);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /**
   * Replaces the contents after a (re)list. A relist only happens after the
   * store watch broke, so continuity is lost: every open subscription gets
   * the revision -1 sentinel (see `subscribe`), ends its watch, and its
   * client resumes from its last resourceVersion.
   */
  private reset(fresh: Map<string, Map<string, Obj>>, revision: number): void {
    for (const c of this.caches.values()) for (const l of c.listeners) l({ type: 'DELETED', key: '', object: {}, revision: -1 });
    this.caches.clear();
    this.rev = revision;
    for (const [r, objects] of fresh) {
      const c = this.resourceCache(r);
      for (const [k, o] of objects) c.objects.set(k, o);
    }
    this.release();
  }

  private applyEvent(ev: CacheEvent): void {
    this.resourceCache(this.resourceOf(ev.key)).apply(ev);
    this.rev = ev.revision;
    this.release();
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.rev <= this.rev) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Current objects of a resource whose key starts with `keyPrefix`, in key order. */
  list(resource: string, keyPrefix: string): Obj[] {
    const c = this.caches.get(resource);
    if (!c) return [];
    const out: Array<[string, Obj]> = [];
    for (const [k, o] of c.objects) if (k.startsWith(keyPrefix)) out.push([k, o]);
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map((e) => e[1]);
  }

  get(resource: string, key: string): Obj | undefined {
    return this.caches.get(resource)?.objects.get(key);
  }

  /**
   * Subscribes to a resource's events. With `after`, first replays the
   * window's events after that revision; returns undefined when the window no
   * longer reaches back that far (the caller falls back to the store).
   * A listener receiving an event with revision -1 must end its watch: the
   * cache was rebuilt and continuity is lost.
   */
  subscribe(resource: string, after: number | undefined, listener: Listener): { replay: CacheEvent[]; unsubscribe: () => void } | undefined {
    const c = this.resourceCache(resource);
    let replay: CacheEvent[] = [];
    if (after !== undefined) {
      const evs = c.since(after);
      if (!evs) return undefined;
      replay = evs;
    }
    c.listeners.add(listener);
    return { replay, unsubscribe: () => c.listeners.delete(listener) };
  }

  /** Number of open subscriptions per resource (for metrics). */
  watcherCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [r, c] of this.caches) if (c.listeners.size) out[r] = c.listeners.size;
    return out;
  }
}
