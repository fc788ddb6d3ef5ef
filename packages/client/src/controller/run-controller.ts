/**
 * The controller loop (docs/architecture.md, Level-triggered loops), after Kubernetes'
 * sample-controller: event handlers only `enqueue` keys; `run` waits for the
 * informers' caches, then N workers each take a key, call `sync(key)`, and
 * on success forget the key's backoff or on failure requeue it rate-limited.
 * The queue guarantees that no two workers ever sync the same key at once.
 *
 * A failing or throwing sync never escapes the loop: it is logged, counted
 * and retried with backoff (or dropped after `maxRetries`, when set).
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { realClock } from '../clock.js';
import { RateLimitingQueue } from '../workqueue/rate-limiting-queue.js';
import { controllerMetrics, noopControllerMetrics } from './metrics.js';
import { silentLogger, type Logger } from '../logger.js';
import { aborted } from '../wait.js';
import { waitForCacheSync } from './wait-for-cache-sync.js';
import type { HasSynced } from './wait-for-cache-sync.js';

export type SyncFn = (key: string, signal: AbortSignal) => Promise<void>;

export interface ControllerOptions {
  /** Names the controller in logs, metrics and (for the default queue) workqueue metrics. */
  name: string;
  /** Syncing starts only once all of these have synced. */
  informers: readonly HasSynced[];
  /** Brings the object named by `key` to its desired state; reads caches, not events. */
  sync: SyncFn;
  /** Concurrent workers; default 1. */
  workers?: number;
  /** Defaults to a RateLimitingQueue with the default controller rate limiter on `clock`. */
  queue?: RateLimitingQueue<string>;
  /** Defaults to realClock; drives the cache-sync poll and the default queue. */
  clock?: Clock;
  /** How often to check whether caches have synced; default 100 ms. */
  cacheSyncPollMs?: number;
  /** Defaults to a logger that discards everything. */
  log?: Logger;
  metrics?: Registry;
  /**
   * Retries of one key (counted by the queue's rate limiter) after which a
   * failing key is dropped until it is enqueued again. Default: retry forever.
   */
  maxRetries?: number;
}

export interface Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  /** Schedules a sync of `key`; safe to call before and during `run`, ignored after it stops. */
  enqueue(key: string): void;
  /** Schedules a sync of `key` after `ms` (time-based rechecks). */
  enqueueAfter(key: string, ms: number): void;
  /**
   * Waits for caches, then processes keys until `signal` aborts; resolves once
   * every in-flight sync has finished. Keys still queued at that point are
   * dropped. Call at most once: the queue is shut down when it returns.
   */
  run(signal: AbortSignal): Promise<void>;
}

export function createController(opts: ControllerOptions): Controller {
  const { name, informers, sync } = opts;
  const clock = opts.clock ?? realClock;
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const log = (opts.log ?? silentLogger).child({ controller: name });
  const metrics = opts.metrics ? controllerMetrics(opts.metrics, name) : noopControllerMetrics;
  const queue = opts.queue ?? new RateLimitingQueue<string>({ name, clock, metrics: opts.metrics });
  let started = false;

  async function processKey(key: string, signal: AbortSignal): Promise<void> {
    const start = clock.now();
    try {
      await sync(key, signal);
      queue.forget(key);
    } catch (err) {
      metrics.failed();
      if (signal.aborted) {
        // Stopping: the failure is most likely the abort itself; the queue takes no more retries.
        log.info({ key, err }, 'sync ended by shutdown');
      } else if (opts.maxRetries !== undefined && queue.numRequeues(key) >= opts.maxRetries) {
        log.error({ key, err, retries: queue.numRequeues(key) }, 'dropping key after too many failed syncs');
        queue.forget(key);
      } else {
        log.warn({ key, err, retries: queue.numRequeues(key) }, 'sync failed, will retry');
        queue.addRateLimited(key);
      }
    } finally {
      metrics.synced(clock.now() - start);
    }
  }

  async function worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const item = await queue.get();
      if (item.shutdown) return;
      try {
        // After abort, what is still queued is released unsynced so the queue drains quickly.
        if (!signal.aborted) await processKey(item.key, signal);
      } finally {
        queue.done(item.key);
      }
    }
  }

  return {
    name,
    queue,
    enqueue: (key) => queue.add(key),
    enqueueAfter: (key, ms) => queue.addAfter(key, ms),
    async run(signal) {
      if (started) throw new Error(`controller ${name} is already running or has run`);
      started = true;
      log.info({}, 'waiting for caches to sync');
      if (!(await waitForCacheSync(informers, signal, clock, opts.cacheSyncPollMs))) {
        queue.shutDown();
        log.info({}, 'stopped before caches synced');
        return;
      }
      log.info({ workers }, 'caches synced, starting workers');
      const running = Array.from({ length: workers }, () => worker(signal));
      await aborted(signal);
      log.info({}, 'shutting down, waiting for in-flight syncs');
      await queue.shutDownWithDrain();
      await Promise.all(running);
      log.info({}, 'stopped');
    },
  };
}

/** Creates a controller and runs it until `signal` aborts; for controllers whose handlers are wired elsewhere to `queue`. */
export function runController(opts: ControllerOptions & { signal: AbortSignal }): Promise<void> {
  return createController(opts).run(opts.signal);
}
