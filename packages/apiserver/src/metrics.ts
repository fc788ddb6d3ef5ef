/**
 * Prometheus metrics of one API server, in its own registry (so several
 * servers in one test process do not collide), with Kubernetes' metric names
 * where Kubernetes has one.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '@mk8s/storage';
import type { WatchCache } from './cache/watch-cache.js';
import type { WatchBudget } from './http/watch.js';

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<'verb' | 'resource' | 'subresource' | 'code'>;
  latency: Histogram<'verb' | 'resource' | 'subresource'>;
  watchers: Gauge<'resource'>;
  /** Watches the server ended because their client did not read (reason `buffer_full` or `total_buffer_full`). */
  terminatedWatchers: Counter<'resource' | 'reason'>;
  /** Events dropped from the watch cache's windows (reason `capacity` or `bytes`). */
  watchCacheEvictions: Counter<'resource' | 'reason'>;
  /** Events the reaper deleted for outliving --event-ttl (registry/event-ttl.ts). */
  expiredEvents: Counter;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total',
      help: 'Requests by verb, resource, subresource and HTTP code.',
      labelNames: ['verb', 'resource', 'subresource', 'code'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Request latency by verb, resource and subresource (watches excluded).',
      labelNames: ['verb', 'resource', 'subresource'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    watchers: new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Open watches by resource.',
      labelNames: ['resource'],
      registers: [registry],
    }),
    terminatedWatchers: new Counter({
      name: 'apiserver_terminated_watchers_total',
      help: 'Watches closed because their client did not keep up, by resource and reason (buffer_full: over the per-watch limit; total_buffer_full: over the limit of all watches).',
      labelNames: ['resource', 'reason'],
      registers: [registry],
    }),
    watchCacheEvictions: new Counter({
      name: 'apiserver_watch_cache_evictions_total',
      help: 'Events dropped from the watch cache window, by resource and reason (capacity: events per resource; bytes: bytes of all windows).',
      labelNames: ['resource', 'reason'],
      registers: [registry],
    }),
    expiredEvents: new Counter({
      name: 'apiserver_mk8s_expired_events_total',
      help: 'Events deleted because they outlived --event-ttl since their last activity (Kubernetes lets etcd leases do this).',
      registers: [registry],
    }),
  };
}

/** What the memory gauges read at scrape time. */
export interface MemorySources {
  cache: WatchCache;
  store: Store;
  watchBudget: WatchBudget;
}

/** Registers the gauges of the server's memory bounds (docs/api-server.md, Memory limits); they read their sources at scrape time. */
export function observeMemory(metrics: ApiMetrics, src: MemorySources): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'apiserver_watch_cache_window_bytes',
    help: 'Approximate bytes (JSON length of the objects) of the events in the watch cache window, by resource.',
    labelNames: ['resource'],
    registers,
    collect() {
      this.reset();
      for (const r of src.cache.stats().resources) this.set({ resource: r.resource }, r.bytes);
    },
  });
  new Gauge({
    name: 'apiserver_watch_cache_window_events',
    help: 'Events in the watch cache window, by resource.',
    labelNames: ['resource'],
    registers,
    collect() {
      this.reset();
      for (const r of src.cache.stats().resources) this.set({ resource: r.resource }, r.events);
    },
  });
  new Gauge({
    name: 'apiserver_watch_cache_capacity_bytes',
    help: 'Limit of the approximate bytes of all watch cache windows together (--watch-cache-max-bytes).',
    registers,
    collect() {
      this.set(src.cache.maxBytes);
    },
  });
  new Gauge({
    name: 'apiserver_watch_cache_capacity',
    help: 'Limit of events in the watch cache window of each resource (--default-watch-cache-size).',
    registers,
    collect() {
      this.set(src.cache.windowSize);
    },
  });
  new Gauge({
    name: 'apiserver_watch_buffered_bytes',
    help: 'Bytes written to open watches that their clients have not received yet, all watches together.',
    registers,
    collect() {
      this.set(src.watchBudget.bufferedBytes);
    },
  });
  new Gauge({
    name: 'apiserver_watch_buffer_limit_bytes',
    help: 'Unsent bytes past which watches are closed: per watch (scope=watcher, --watch-max-buffered-bytes) and of all watches (scope=total, --watch-max-total-buffered-bytes).',
    labelNames: ['scope'],
    registers,
    collect() {
      this.set({ scope: 'watcher' }, src.watchBudget.maxBufferedBytes);
      this.set({ scope: 'total' }, src.watchBudget.maxTotalBufferedBytes);
    },
  });
  if (typeof src.store.historyStats !== 'function') return;
  const history = (): ReturnType<NonNullable<Store['historyStats']>> => src.store.historyStats!();
  new Gauge({
    name: 'apiserver_storage_history_bytes',
    help: 'Approximate bytes of superseded history (older versions, tombstones, log) the embedded store keeps, written since it opened.',
    registers,
    collect() {
      this.set(history().bytes);
    },
  });
  new Gauge({
    name: 'apiserver_storage_history_limit_bytes',
    help: 'History byte budget of the embedded store past which it compacts itself (--storage-history-max-bytes; 0: unbounded).',
    registers,
    collect() {
      this.set(history().limitBytes);
    },
  });
  new Counter({
    name: 'apiserver_storage_history_budget_compactions_total',
    help: 'Compactions the embedded store started because its history passed the byte budget.',
    registers,
    collect() {
      this.reset();
      this.inc(history().budgetCompactions);
    },
  });
}

/**
 * `apiserver_storage_size_bytes` (Kubernetes' name for the etcd database's
 * size on disk): the embedded store's folder, read at scrape time. Absent for
 * backends whose size the API server cannot see (memory, etcd).
 */
export function observeStorageSize(metrics: ApiMetrics, sizeBytes: () => Promise<number>): void {
  new Gauge({
    name: 'apiserver_storage_size_bytes',
    help: 'Size of the storage database files on disk, in bytes.',
    labelNames: ['storage_cluster_id'],
    registers: [metrics.registry],
    async collect() {
      this.set({ storage_cluster_id: 'embedded' }, await sizeBytes().catch(() => 0));
    },
  });
}
