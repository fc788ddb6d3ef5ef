/**
 * A WorkQueue whose keys can also be added after a delay, timed by a Clock
 * (FakeClock in tests). A key waiting for its delay is not pending: `get`
 * does not see it and plain `add` does not cancel the delayed add.
 */
import type { TimerHandle } from '../clock.js';
import { MinHeap } from './min-heap.js';
import { WorkQueue } from './queue.js';
import type { WorkQueueOptions } from './queue.js';

interface Waiting<K> {
  key: K;
  readyAt: number;
  /** Ties on readyAt go in the order addAfter was called. */
  seq: number;
}

export class DelayingQueue<K = string> extends WorkQueue<K> {
  /** The live entry per key; heap entries not in here are stale and skipped. */
  private readonly waiting = new Map<K, Waiting<K>>();
  private readonly heap = new MinHeap<Waiting<K>>((a, b) => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq));
  private seq = 0;
  private timer: { handle: TimerHandle; at: number } | undefined;

  constructor(opts: WorkQueueOptions = {}) {
    super(opts);
  }

  /**
   * Adds `key` once `ms` have passed (at once when `ms <= 0`). If the key is
   * already waiting, the earlier ready time wins. Ignored after shutdown.
   */
  addAfter(key: K, ms: number): void {
    if (this.isShuttingDown()) return;
    this.metrics.retried();
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const current = this.waiting.get(key);
    if (current && current.readyAt <= readyAt) return;
    const entry: Waiting<K> = { key, readyAt, seq: this.seq++ };
    this.waiting.set(key, entry);
    this.heap.push(entry);
    this.arm();
  }

  /** Keys waiting for their delay to pass. */
  waitingLen(): number {
    return this.waiting.size;
  }

  protected override onShutDown(): void {
    this.timer?.handle.cancel();
    this.timer = undefined;
    this.waiting.clear();
    this.heap.clear();
  }

  /** Keeps exactly one timer, set for the earliest live entry. */
  private arm(): void {
    const next = this.peekLive();
    if (!next) {
      this.timer?.handle.cancel();
      this.timer = undefined;
      return;
    }
    if (this.timer && this.timer.at <= next.readyAt) return;
    this.timer?.handle.cancel();
    const at = next.readyAt;
    this.timer = { at, handle: this.clock.after(at - this.clock.now(), () => this.fire()) };
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (let next = this.peekLive(); next && next.readyAt <= now; next = this.peekLive()) {
      this.heap.pop();
      this.waiting.delete(next.key);
      this.add(next.key);
    }
    this.arm();
  }

  private peekLive(): Waiting<K> | undefined {
    for (let top = this.heap.peek(); top; top = this.heap.peek()) {
      if (this.waiting.get(top.key) === top) return top;
      this.heap.pop();
    }
    return undefined;
  }
}
