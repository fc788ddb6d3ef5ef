/**
 * Watch streams: `200` with a chunked body of newline-separated
 * `{"type","object"}` events, as Kubernetes sends them. Served from the watch
 * cache; a start revision older than the cache's window is served from the
 * store's history, and one older than compaction gets an ERROR event with a
 * 410 `Expired` Status (clients then relist).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceType } from '@mk8s/api';
import { CompactedError } from '@mk8s/storage';
import { fromStoreEvent, type CacheEvent, type Obj } from '../cache/watch-cache.js';
import { errors, type StatusError } from '../errors.js';
import { listPrefix } from '../registry/keys.js';
import { toTable } from '../tables/index.js';
import type { Negotiated } from './accept.js';
import type { ServerContext } from './context.js';
import { bool, int, str, type Query } from './query.js';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Watchers are ended when their socket buffers this much unsent data. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** Encoded events shared by every plain-JSON watcher of the same event. */
const encoded = new WeakMap<CacheEvent, Partial<Record<EventType, string>>>();

function encodePlain(ev: CacheEvent, type: EventType): string {
  let m = encoded.get(ev);
  if (!m) encoded.set(ev, (m = {}));
  return (m[type] ??= JSON.stringify({ type, object: ev.object }) + '\n');
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
  const rv = str(q, 'resourceVersion');
  if (rv !== undefined && rv !== '' && (!/^\d+$/.test(rv))) throw errors.badRequest(`invalid resource version: ${rv}`);
  const timeoutSeconds = int(q, 'timeoutSeconds');
  const bookmarks = bool(q, 'allowWatchBookmarks');
  const prefix = listPrefix(rt.resource, ns);
  const from = rv === undefined || rv === '' || rv === '0' ? undefined : Number(rv);
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

  let closed = false;
  const cleanups: Array<() => void> = [];
  const close = (): void => {
    if (closed) return;
    closed = true;
    ctx.metrics.watchers.dec({ resource: rt.resource });
    for (const c of cleanups) c();
    raw.end();
  };
  ctx.closeWatches.add(close);
  cleanups.push(() => ctx.closeWatches.delete(close));
  raw.on('close', close);
  req.raw.on('close', close);

  const write = (line: string): void => {
    if (closed) return;
    raw.write(line);
    if (raw.writableLength > MAX_BUFFERED_BYTES) {
      ctx.log.warn({ resource: rt.resource }, 'ending a watch whose client does not keep up');
      close();
    }
  };
  const send = (type: EventType, ev: CacheEvent | undefined, object: Obj): void => {
    if (neg.table && type !== 'BOOKMARK' && type !== 'ERROR') {
      const table = toTable(rt.resource, [object], { now: ctx.now(), includeObject: neg.includeObject });
      write(JSON.stringify({ type, object: table }) + '\n');
    } else if (ev) write(encodePlain(ev, type));
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

  if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
    const t = setTimeout(close, timeoutSeconds * 1000);
    cleanups.push(() => clearTimeout(t));
  } else {
    // Like Kubernetes, spread long-lived watches over time so reconnects do not stampede.
    const t = setTimeout(close, (1800 + Math.random() * 1800) * 1000);
    cleanups.push(() => clearTimeout(t));
  }
  if (bookmarks) {
    const t = setInterval(() => {
      send('BOOKMARK', undefined, { kind: rt.kind, apiVersion: rt.apiVersion, metadata: { resourceVersion: String(ctx.cache.revision) } });
    }, ctx.bookmarkIntervalMs);
    cleanups.push(() => clearInterval(t));
  }

  if (from === undefined) {
    // "Start at most recent": the current state as ADDED events, then changes; no await in between.
    for (const o of ctx.cache.list(rt.resource, prefix)) if (filter(o)) send('ADDED', undefined, o);
    const sub = ctx.cache.subscribe(rt.resource, undefined, deliver)!;
    cleanups.push(sub.unsubscribe);
    return;
  }
  if (from > ctx.store.currentRevision()) {
    return sendError(errors.timeout(`Too large resource version: ${from}, current: ${ctx.store.currentRevision()}`));
  }
  const sub = ctx.cache.subscribe(rt.resource, from, deliver);
  if (sub) {
    cleanups.push(sub.unsubscribe);
    for (const ev of sub.replay) deliver(ev);
    return;
  }
  // Older than the cache's window: replay the store's history, then keep following it.
  const abort = new AbortController();
  cleanups.push(() => abort.abort());
  void (async () => {
    try {
      for await (const sev of ctx.store.watch(prefix, { afterRevision: from, signal: abort.signal })) {
        deliver(fromStoreEvent(sev));
        if (closed) break;
      }
    } catch (err) {
      if (err instanceof CompactedError) {
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
