/**
 * Watch streams: `200` with a chunked body of newline-separated
 * `{"type","object"}` events, as Kubernetes sends them. Served from the watch
 * cache; a start revision older than the cache's window is served from the
 * store's history, and one older than compaction gets an ERROR event with a
 * 410 `Expired` Status (clients then relist).
 *
 * Memory: a watch whose client does not read keeps what it was sent in its
 * socket's buffer. A watch with more than `maxBufferedBytes` unsent when its
 * next event comes is closed (its buffer dropped, as Kubernetes closes
 * unresponsive watchers; clients re-watch or relist), and when all watches
 * together hold more than `maxTotalBufferedBytes`, the ones holding the most
 * are closed. The initial
 * burst (the current state, or a replay from the cache window) may exceed the
 * per-watch limit until the client has drained it once. A replay from the
 * store waits for the client instead (closing it when it stalls).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceType } from '@mk8s/api';
import { CompactedError, WatchOverflowError } from '@mk8s/storage';
import { fromStoreEvent, type CacheEvent, type Obj } from '../cache/watch-cache.js';
import { errors, type StatusError } from '../errors.js';
import { listPrefix } from '../registry/keys.js';
import { served } from '../registry/registry.js';
import { toTable } from '../tables/index.js';
import { partialObject, type Negotiated } from './accept.js';
import type { ServerContext } from './context.js';
import { listOptions } from './list-options.js';
import type { Query } from './query.js';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Default per-watch limit of unsent bytes (`--watch-max-buffered-bytes`). */
export const DEFAULT_WATCH_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Default limit of unsent bytes of all watches together (`--watch-max-total-buffered-bytes`). */
export const DEFAULT_WATCH_MAX_TOTAL_BUFFERED_BYTES = 128 * 1024 * 1024;
/** Node timers fire at once past a signed 32-bit millisecond count; longer timeouts are clamped to it (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A watch replaying from the store whose client does not drain its buffer for this long is closed. */
const STALL_MS = 30_000;

export type TerminationReason = 'buffer_full' | 'total_buffer_full';

export interface WatchLimits {
  /** Unsent bytes past which one watch is closed (default 8 MiB). */
  maxBufferedBytes?: number;
  /** Unsent bytes of all watches past which the watches holding the most are closed (default 128 MiB). */
  maxTotalBufferedBytes?: number;
}

interface TrackedWatch {
  bytes: number;
  kill(reason: TerminationReason): void;
}

/** The unsent bytes of every open watch of one server, and their limits. */
export class WatchBudget {
  readonly maxBufferedBytes: number;
  readonly maxTotalBufferedBytes: number;
  private readonly watches = new Set<TrackedWatch>();
  private total = 0;

  constructor(limits: WatchLimits = {}) {
    const positive = (v: number | undefined, d: number): number => (v !== undefined && v > 0 ? v : d);
    this.maxBufferedBytes = positive(limits.maxBufferedBytes, DEFAULT_WATCH_MAX_BUFFERED_BYTES);
    this.maxTotalBufferedBytes = positive(limits.maxTotalBufferedBytes, DEFAULT_WATCH_MAX_TOTAL_BUFFERED_BYTES);
  }

  /** Unsent bytes of all watches (as last seen: on each write and when a socket drains). */
  get bufferedBytes(): number {
    return this.total;
  }

  add(w: TrackedWatch): void {
    this.watches.add(w);
  }

  remove(w: TrackedWatch): void {
    if (!this.watches.delete(w)) return;
    this.total -= w.bytes;
    w.bytes = 0;
  }

  set(w: TrackedWatch, bytes: number): void {
    if (!this.watches.has(w)) return;
    this.total += bytes - w.bytes;
    w.bytes = bytes;
  }

  /** Closes the watches holding the most unsent data until all of them fit in the total limit. */
  enforceTotal(): void {
    while (this.total > this.maxTotalBufferedBytes) {
      let largest: TrackedWatch | undefined;
      for (const w of this.watches) if (!largest || w.bytes > largest.bytes) largest = w;
      if (!largest || largest.bytes === 0) return;
      largest.kill('total_buffer_full');
      this.remove(largest);
    }
  }
}

/**
 * The encoding of the event being fanned out: every plain-JSON watcher of a
 * live event gets the same string. Only the latest event is kept (the cache
 * calls all listeners of an event in one go), so encodings do not pile up
 * beside the watch cache window; replays encode again.
 */
let lastEncoded: { ev: CacheEvent; byType: Partial<Record<EventType, string>> } | undefined;

function encodePlain(ev: CacheEvent, type: EventType): string {
  if (lastEncoded?.ev !== ev) lastEncoded = { ev, byType: {} };
  return (lastEncoded.byType[type] ??= JSON.stringify({ type, object: ev.object }) + '\n');
}

/** Maps a cache event to what a watcher with this filter sees (selection changes become ADDED/DELETED). */
export function project(ev: CacheEvent, keyPrefix: string, filter: (o: Obj) => boolean): EventType | undefined {
  if (!ev.key.startsWith(keyPrefix)) return undefined;
  if (ev.type === 'ADDED') return filter(ev.object) ? 'ADDED' : undefined;
  if (ev.type === 'DELETED') return filter(ev.object) ? 'DELETED' : undefined;
  const now = filter(ev.object);
  const before = ev.prev !== undefined && filter(ev.prev);
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

export async function serveWatch(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string | undefined,
  filter: (o: Obj) => boolean,
  q: Query,
  neg: Negotiated,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { rawResourceVersion: rv, resourceVersion: requested, timeoutSeconds, allowWatchBookmarks: bookmarks } = listOptions(q, 'watch');
  // Watch events carry single objects: metadata-only watches ask for PartialObjectMetadata.
  if (neg.metadataOnly?.kind === 'PartialObjectMetadataList') {
    throw errors.notAcceptable('only the following media types are accepted: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
  }
  const definition = ctx.registry.definition(rt);
  const storage = definition.storageResource;
  // Another version than the storage one re-encodes each event: converted, or with its apiVersion (conversion `None`).
  const converted = definition.conversion !== undefined || definition.storageApiVersion !== rt.apiVersion;
  const prefix = listPrefix(storage, ns);
  // A version past the store's (even past 2^53) is refused below with its exact digits.
  const tooLarge = requested !== undefined && requested > BigInt(ctx.store.currentRevision());
  const from = requested === undefined ? undefined : Number(requested);
  if (rv !== '0') await ctx.cache.fresh();

  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  raw.flushHeaders();
  ctx.metrics.watchers.inc({ resource: rt.resource });

  const budget = ctx.watchBudget;
  const limit = budget.maxBufferedBytes;
  let closed = false;
  const cleanups: Array<() => void> = [];
  /** Ends the stream; `drop` discards what the client has not received (a slow client) instead of flushing it. */
  const close = (drop = false): void => {
    if (closed) return;
    closed = true;
    ctx.metrics.watchers.dec({ resource: rt.resource });
    for (const c of cleanups) c();
    if (drop) raw.destroy();
    else raw.end();
  };
  const tracked: TrackedWatch = {
    bytes: 0,
    kill: (reason) => {
      ctx.metrics.terminatedWatchers.inc({ resource: rt.resource, reason });
      ctx.log.warn({ resource: rt.resource, reason, unsentBytes: raw.writableLength }, 'closing a watch whose client does not keep up');
      if (closed) raw.destroy();
      else close(true);
      budget.remove(tracked);
    },
  };
  budget.add(tracked);
  // Ended watches count until their last bytes are handed to the kernel.
  const untrack = (): void => budget.remove(tracked);
  raw.on('finish', untrack);
  raw.on('close', untrack);
  const endWatch = (): void => close();
  ctx.closeWatches.add(endWatch);
  cleanups.push(() => ctx.closeWatches.delete(endWatch));
  raw.on('close', endWatch);
  req.raw.on('close', endWatch);

  /** True while the initial burst (current state or window replay) is written: it may pass the per-watch limit once. */
  let bursting = true;
  /** How far the initial burst took the buffer past the limit; gone once the client drained. */
  let allowance = 0;
  raw.on('drain', () => {
    allowance = 0;
    budget.set(tracked, raw.writableLength);
  });
  const endBurst = (): void => {
    bursting = false;
    allowance = Math.max(0, raw.writableLength - limit);
    budget.enforceTotal();
  };

  const write = (line: string): void => {
    if (closed) return;
    // Judged before writing, so one event larger than the limit still reaches a client that keeps up.
    if (!bursting && raw.writableLength > limit + allowance) return tracked.kill('buffer_full');
    raw.write(line);
    const unsent = raw.writableLength;
    budget.set(tracked, unsent);
    if (bursting) return;
    if (unsent <= limit) allowance = 0;
    budget.enforceTotal();
  };
  /** Resolves once the client has taken most of what it was sent: true, or false when the watch ended (or stalled and was closed). */
  const drained = (): Promise<boolean> => {
    if (closed) return Promise.resolve(false);
    if (raw.writableLength <= limit / 2) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (stalled: boolean): void => {
        clearTimeout(timer);
        raw.off('drain', wake);
        wakeDrained = undefined;
        if (stalled && !closed) tracked.kill('buffer_full');
        resolve(!closed);
      };
      const wake = (): void => finish(false);
      const timer = setTimeout(() => finish(true), STALL_MS);
      raw.once('drain', wake);
      wakeDrained = wake;
    });
  };
  let wakeDrained: (() => void) | undefined;
  cleanups.push(() => wakeDrained?.());
  const send = (type: EventType, ev: CacheEvent | undefined, object: Obj): void => {
    if (neg.metadataOnly && type !== 'BOOKMARK' && type !== 'ERROR') {
      write(JSON.stringify({ type, object: partialObject(object, neg.metadataOnly.apiVersion) }) + '\n');
    } else if (neg.table && type !== 'BOOKMARK' && type !== 'ERROR') {
      const table = toTable(definition.printer, [served(definition, object)], { now: ctx.now(), includeObject: neg.includeObject });
      write(JSON.stringify({ type, object: table }) + '\n');
    } else if (converted && type !== 'BOOKMARK' && type !== 'ERROR') write(JSON.stringify({ type, object: served(definition, object) }) + '\n');
    else if (ev) write(encodePlain(ev, type));
    else write(JSON.stringify({ type, object }) + '\n');
  };
  const deliver = (ev: CacheEvent): void => {
    if (ev.revision === -1) return close(); // the cache was rebuilt: the client must resume
    const type = project(ev, prefix, filter);
    if (type) send(type, ev, ev.object);
  };
  const sendError = (err: StatusError): void => {
    send('ERROR', undefined, err.status as unknown as Obj);
    close();
  };

  // Without timeoutSeconds, like Kubernetes, spread long-lived watches over time so reconnects do not stampede.
  const timeoutMs = timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
  const timeout = setTimeout(endWatch, Math.min(timeoutMs, MAX_TIMER_MS));
  cleanups.push(() => clearTimeout(timeout));
  if (bookmarks) {
    const t = setInterval(() => {
      send('BOOKMARK', undefined, { kind: rt.kind, apiVersion: rt.apiVersion, metadata: { resourceVersion: String(ctx.cache.revision) } });
    }, ctx.bookmarkIntervalMs);
    cleanups.push(() => clearInterval(t));
  }

  if (from === undefined) {
    // "Start at most recent": the current state as ADDED events, then changes; no await in between.
    for (const o of ctx.cache.list(storage, prefix)) if (filter(o)) send('ADDED', undefined, o);
    const sub = ctx.cache.subscribe(storage, undefined, deliver)!;
    cleanups.push(sub.unsubscribe);
    return endBurst();
  }
  if (tooLarge) {
    return sendError(errors.timeout(`Too large resource version: ${requested}, current: ${ctx.store.currentRevision()}`));
  }
  const sub = ctx.cache.subscribe(storage, from, deliver);
  if (sub) {
    cleanups.push(sub.unsubscribe);
    for (const ev of sub.replay) deliver(ev);
    return endBurst();
  }
  // From the store the watch waits for its client instead (see `drained`).
  bursting = false;
  // Older than the cache's window: replay the store's history, then keep following it.
  const abort = new AbortController();
  cleanups.push(() => abort.abort());
  void (async () => {
    try {
      for await (const sev of ctx.store.watch(prefix, { afterRevision: from, signal: abort.signal })) {
        deliver(fromStoreEvent(sev));
        if (closed || !(await drained())) break;
      }
    } catch (err) {
      if (err instanceof WatchOverflowError) {
        // The store buffered too much for this watch while its client did not read.
        if (!closed) tracked.kill('buffer_full');
      } else if (err instanceof CompactedError) {
        sendError(errors.gone(`too old resource version: ${from} (${ctx.store.compactedRevision() + 1})`));
      } else if (!abort.signal.aborted) {
        ctx.log.error({ err }, 'store watch failed');
        sendError(errors.internal('watch failed'));
      }
    } finally {
      close();
    }
  })();
}
