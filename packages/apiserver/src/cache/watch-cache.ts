/**
 * The watch cache: one store watch on the whole registry feeds an in-memory
 * copy of every resource plus a window of recent events, so any number of
 * lists and watches cost no store reads (docs/api-server.md, Mechanics).
 *
 * Invariants:
 * - Events are applied in revision order; `revision` is the revision of the
 *   last store event applied (or of the initial list), across all resources.
 * - A listener registered in the same tick as a snapshot is taken sees every
 *   event after that snapshot and none before it (there is no await between).
 * - A resource's window holds every event of that resource with revision >
 *   `floor`; older starting points are served by the store (see `subscribe`).
 *
 * Memory: the windows are bounded by a count per resource (`windowSize`) and
 * by approximate bytes across all resources (`maxBytes`, the JSON length of
 * the objects events hold); past either, the oldest events go first, and a
 * watch that starts before a window is served from the store's history.
 * An event's `prev` is the object the cache held for that key whenever
 * possible, so an update costs one object, not two.
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
  /** Approximate bytes it holds (JSON length of its objects); 0 when unknown. */
  bytes?: number;
}

export type Listener = (ev: CacheEvent) => void;

/** Parses a stored value and stamps its resourceVersion. */
export function decodeStored(value: string, revision: number): Obj {
  const obj = JSON.parse(value) as Obj;
  const meta = (obj['metadata'] ??= {}) as Obj;
  meta['resourceVersion'] = String(revision);
  return obj;
}

const resourceVersionOf = (o: Obj | undefined): unknown => (o?.['metadata'] as Obj | undefined)?.['resourceVersion'];

/**
 * A store event as the cache keeps it. `cached` is the object the cache holds
 * for the key: when it is the event's previous version it becomes `prev` (and
 * a DELETED event's object shares its content) instead of a second decoded copy.
 */
export function fromStoreEvent(ev: StoreEvent, cached?: Obj): CacheEvent {
  const type = ev.type === 'create' ? 'ADDED' : ev.type === 'update' ? 'MODIFIED' : 'DELETED';
  let bytes = ev.kv.value.length;
  let prev: Obj | undefined;
  let object: Obj | undefined;
  if (ev.prevKv) {
    if (cached !== undefined && resourceVersionOf(cached) === String(ev.prevKv.modRevision)) {
      prev = cached;
      // A delete's object is the last state at the delete's revision: the same content.
      if (type === 'DELETED') object = { ...cached, metadata: { ...(cached['metadata'] as Obj), resourceVersion: String(ev.kv.modRevision) } };
    } else {
      prev = decodeStored(ev.prevKv.value, ev.prevKv.modRevision);
      bytes += ev.prevKv.value.length;
    }
  }
  object ??= decodeStored(ev.kv.value, ev.kv.modRevision);
  return { type, key: ev.kv.key, object, prev, revision: ev.kv.modRevision, bytes };
}

class ResourceCache {
  readonly objects = new Map<string, Obj>();
  /** The window: events in revision order from `head`; evicted slots are cleared. */
  private events: Array<CacheEvent | undefined> = [];
  private head = 0;
  /** Approximate bytes of the window's events. */
  bytes = 0;
  /** The window holds every event with revision > floor. */
  floor: number;
  readonly listeners = new Set<Listener>();

  constructor(
    readonly resource: string,
    startRevision: number,
  ) {
    this.floor = startRevision;
  }

  /** Events in the window. */
  get size(): number {
    return this.events.length - this.head;
  }

  /** Revision of the oldest event in the window (undefined when empty). */
  get oldest(): number | undefined {
    return this.head < this.events.length ? this.events[this.head]!.revision : undefined;
  }

  /** Updates the objects and appends to the window (listeners are notified by the owner, after eviction). */
  apply(ev: CacheEvent): void {
    if (ev.type === 'DELETED') this.objects.delete(ev.key);
    else this.objects.set(ev.key, ev.object);
    this.events.push(ev);
    this.bytes += ev.bytes ?? 0;
  }

  /** Drops the oldest event of the window; the window then starts after it. */
  evictOldest(): CacheEvent {
    const ev = this.events[this.head]!;
    this.events[this.head++] = undefined;
    this.floor = ev.revision;
    this.bytes -= ev.bytes ?? 0;
    if (this.head === this.events.length) {
      this.events = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    return ev;
  }

  /** Events with revision > after, in order; undefined if the window no longer reaches back that far. */
  since(after: number): CacheEvent[] | undefined {
    if (after < this.floor) return undefined;
    const out: CacheEvent[] = [];
    for (let i = this.head; i < this.events.length; i++) {
      const ev = this.events[i]!;
      if (ev.revision > after) out.push(ev);
    }
    return out;
  }
}

/** Default of `WatchCacheOptions.windowSize`. */
export const DEFAULT_WATCH_CACHE_WINDOW = 10_000;
/** Default of `WatchCacheOptions.maxBytes`: 64 MiB across all resources. */
export const DEFAULT_WATCH_CACHE_MAX_BYTES = 64 * 1024 * 1024;

export type EvictionReason = 'capacity' | 'bytes';

export interface WatchCacheOptions {
  /** Events kept per resource for resuming watches (default 10,000). */
  windowSize?: number;
  /** Approximate bytes (JSON length of the objects) the windows of all resources keep together (default 64 MiB). */
  maxBytes?: number;
  /** Called when the store watch fails (e.g. overflow); the cache restarts itself. */
  onError?: (err: unknown) => void;
  /** Called for every event dropped from a window: over `windowSize` (capacity) or over `maxBytes` (bytes). */
  onEvict?: (resource: string, reason: EvictionReason) => void;
}

export interface WatchCacheStats {
  /** Approximate bytes of all windows. */
  bytes: number;
  /** Events in all windows. */
  events: number;
  /** Per resource with a window. */
  resources: Array<{ resource: string; bytes: number; events: number }>;
}

export class WatchCache {
  private readonly caches = new Map<string, ResourceCache>();
  private rev = 0;
  private readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private waiters: Array<{ rev: number; resolve: () => void }> = [];
  /** Events kept per resource. */
  readonly windowSize: number;
  /** Approximate bytes kept across all windows. */
  readonly maxBytes: number;
  private windowBytes = 0;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly prefix = '/registry/',
    private readonly opts: WatchCacheOptions = {},
  ) {
    this.windowSize = opts.windowSize !== undefined && opts.windowSize > 0 ? opts.windowSize : DEFAULT_WATCH_CACHE_WINDOW;
    this.maxBytes = opts.maxBytes !== undefined && opts.maxBytes > 0 ? opts.maxBytes : DEFAULT_WATCH_CACHE_MAX_BYTES;
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
      c = new ResourceCache(resource, this.rev);
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
          this.applyStoreEvent(ev);
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
    this.windowBytes = 0;
    this.rev = revision;
    for (const [r, objects] of fresh) {
      const c = this.resourceCache(r);
      for (const [k, o] of objects) c.objects.set(k, o);
    }
    this.release();
  }

  private applyStoreEvent(sev: StoreEvent): void {
    const c = this.resourceCache(this.resourceOf(sev.kv.key));
    const ev = fromStoreEvent(sev, c.objects.get(sev.kv.key));
    c.apply(ev);
    this.windowBytes += ev.bytes ?? 0;
    while (c.size > this.windowSize) this.evict(c, 'capacity');
    this.evictOverBytes();
    this.rev = ev.revision;
    for (const l of c.listeners) l(ev);
    this.release();
  }

  private evict(c: ResourceCache, reason: EvictionReason): void {
    this.windowBytes -= c.evictOldest().bytes ?? 0;
    this.opts.onEvict?.(c.resource, reason);
  }

  /** Drops the oldest events across all resources (by revision) until the windows fit in `maxBytes`. */
  private evictOverBytes(): void {
    while (this.windowBytes > this.maxBytes) {
      let victim: ResourceCache | undefined;
      for (const c of this.caches.values()) {
        const oldest = c.oldest;
        if (oldest !== undefined && (victim === undefined || oldest < victim.oldest!)) victim = c;
      }
      if (!victim) {
        this.windowBytes = 0;
        return;
      }
      this.evict(victim, 'bytes');
    }
  }

  /** What the windows hold now (for metrics and tests). */
  stats(): WatchCacheStats {
    const resources: WatchCacheStats['resources'] = [];
    let events = 0;
    for (const [resource, c] of this.caches) {
      if (c.size === 0) continue;
      resources.push({ resource, bytes: c.bytes, events: c.size });
      events += c.size;
    }
    return { bytes: this.windowBytes, events, resources };
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
