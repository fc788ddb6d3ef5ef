/**
 * The work queue controllers are built on, with client-go's guarantees:
 *
 * - a key added several times before a worker takes it is handed out once;
 * - a key handed to a worker is not handed to another until `done(key)`;
 * - a key added while a worker holds it is handed out again after `done`;
 * - keys are handed out in the order they became pending.
 *
 * Keys are compared with SameValueZero (Set/Map identity), so use strings or
 * other primitives. After shutdown, adds are ignored and `get` keeps handing
 * out what is still queued, then answers `{ shutdown: true }` to every caller.
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { realClock } from '../clock.js';
import { noopWorkQueueMetrics, workqueueMetrics } from './metrics.js';
import type { WorkQueueMetricsRecorder } from './metrics.js';

export type QueueItem<K> = { key: K; shutdown: false } | { shutdown: true };

export interface WorkQueueOptions {
  /** Names the queue in metrics and logs. */
  name?: string;
  /** Measures queue and work durations; delaying queues also wait on it. Defaults to realClock. */
  clock?: Clock;
  /** Where to register the workqueue_* metrics; none are recorded without one. */
  metrics?: Registry;
}

export class WorkQueue<K = string> {
  readonly name: string;
  protected readonly clock: Clock;
  protected readonly metrics: WorkQueueMetricsRecorder;

  /** Pending keys in order; `head` is the index of the next one (amortised O(1) dequeue). */
  private fifo: K[] = [];
  private head = 0;
  /** Keys that need processing: everything in `fifo`, plus re-adds of keys being processed. */
  private readonly dirty = new Set<K>();
  /** Keys held by a worker, with when they were handed out. */
  private readonly processing = new Map<K, number>();
  /** When each dirty key became pending, for the queue-duration metric. */
  private readonly pendingSince = new Map<K, number>();
  /** Callers of `get` waiting for a key; non-empty only while `fifo` is empty and not shutting down. */
  private readonly getters: Array<(item: QueueItem<K>) => void> = [];
  /** Callers of `shutDownWithDrain` waiting for `processing` to empty. */
  private drainers: Array<() => void> = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? '';
    this.clock = opts.clock ?? realClock;
    this.metrics = opts.metrics ? workqueueMetrics(opts.metrics, this.name) : noopWorkQueueMetrics;
  }

  /** Marks `key` as needing processing. Idempotent while it is pending; ignored after shutdown. */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.pendingSince.set(key, this.clock.now());
    this.metrics.added();
    this.metrics.depth(this.dirty.size);
    // A key being processed waits in `dirty` until done() puts it back in line.
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /**
   * Resolves with the next pending key, which the caller then owns until it
   * calls `done(key)`; or with `{ shutdown: true }` once the queue is shut
   * down and nothing is left to hand out. Waiting callers are served in order.
   */
  get(): Promise<QueueItem<K>> {
    if (this.head < this.fifo.length) return Promise.resolve(this.take(this.dequeue()));
    if (this.shuttingDown) return Promise.resolve({ shutdown: true });
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /**
   * Releases `key` after processing. If it was added again meanwhile it goes
   * back in line. Calling it for a key the caller does not hold does nothing.
   */
  done(key: K): void {
    const since = this.processing.get(key);
    if (since === undefined) return;
    this.processing.delete(key);
    this.metrics.finished(this.clock.now() - since);
    if (this.dirty.has(key)) this.enqueue(key);
    if (this.processing.size === 0 && this.drainers.length > 0) this.releaseDrainers();
  }

  /** Keys ready to be handed out (not counting re-adds of keys still being processed). */
  len(): number {
    return this.fifo.length - this.head;
  }

  /**
   * Stops accepting adds and wakes every waiting `get` with shutdown. Keys
   * still queued are handed out to later `get` calls. Releases anyone waiting
   * in `shutDownWithDrain`. Idempotent.
   */
  shutDown(): void {
    this.beginShutDown();
    this.releaseDrainers();
  }

  /**
   * Shuts down like `shutDown`, then resolves once no key is held by a
   * worker. Workers must keep calling `get`/`done` for it to resolve; a later
   * plain `shutDown()` resolves it early.
   */
  shutDownWithDrain(): Promise<void> {
    this.beginShutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Called once, when shutdown begins; subclasses release their own resources here. */
  protected onShutDown(): void {}

  private beginShutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.onShutDown();
    // Getters only wait while nothing is queued, so they all learn of the shutdown now.
    for (const resolve of this.getters.splice(0)) resolve({ shutdown: true });
  }

  private releaseDrainers(): void {
    for (const resolve of this.drainers.splice(0)) resolve();
  }

  /** Puts a dirty, unprocessed key in line, or straight into a waiting getter's hands. */
  private enqueue(key: K): void {
    const getter = this.getters.shift();
    if (getter) {
      getter(this.take(key));
      return;
    }
    this.fifo.push(key);
  }

  private dequeue(): K {
    const key = this.fifo[this.head] as K;
    this.head++;
    if (this.head === this.fifo.length) {
      this.fifo = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  private take(key: K): QueueItem<K> {
    const now = this.clock.now();
    this.dirty.delete(key);
    this.processing.set(key, now);
    this.metrics.started(now - (this.pendingSince.get(key) ?? now));
    this.pendingSince.delete(key);
    this.metrics.depth(this.dirty.size);
    return { key, shutdown: false };
  }
}
