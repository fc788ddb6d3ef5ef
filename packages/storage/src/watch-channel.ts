/**
 * The live half of one watcher: a bounded FIFO the writer pushes committed
 * events into (synchronously, in revision order) and the watch iterator pulls
 * from. When the consumer falls more than `limit` events (or `maxBytes` of
 * values) behind, the channel drops its buffer and fails with
 * WatchOverflowError instead of growing without bound. `end()` stops it at
 * once (abort or store close).
 *
 * Events are shared by every channel they are pushed into (they are frozen),
 * so the memory a channel pins is what it buffers; consumed slots are cleared
 * at once so a consumed event is not kept alive by the queue.
 */
import type { WatchEvent } from './store.js';
import { WatchOverflowError } from './errors.js';

/** Approximate bytes an event pins: its values (the rest is small and fixed). */
export function eventBytes(event: WatchEvent): number {
  return event.kv.key.length + event.kv.value.length + (event.prevKv ? event.prevKv.value.length : 0) + 64;
}

export class WatchChannel {
  private items: Array<WatchEvent | undefined> = [];
  private head = 0;
  private bytes = 0;
  private waiter: (() => void) | undefined;
  private failure: WatchOverflowError | undefined;
  private stopped = false;

  constructor(
    readonly prefix: string,
    readonly limit: number,
    /** Called once when the channel overflows, so the owner can stop feeding it. */
    private readonly onOverflow: (channel: WatchChannel) => void = () => {},
    /** Most bytes of events (see `eventBytes`) it buffers; unbounded when absent. */
    readonly maxBytes: number = Number.POSITIVE_INFINITY,
  ) {}

  get ended(): boolean {
    return this.stopped;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Approximate bytes of the buffered events. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** Called by the writer for each committed event under `prefix`. */
  push(event: WatchEvent): void {
    if (this.stopped || this.failure) return;
    const size = eventBytes(event);
    const overCount = this.size >= this.limit;
    // One event larger than the whole budget is still delivered when nothing else waits.
    const overBytes = this.size > 0 && this.bytes + size > this.maxBytes;
    if (overCount || overBytes) {
      this.failure = overCount ? new WatchOverflowError(this.limit) : new WatchOverflowError(this.maxBytes, 'bytes');
      this.items = [];
      this.head = 0;
      this.bytes = 0;
      this.onOverflow(this);
      this.notify();
      return;
    }
    this.items.push(event);
    this.bytes += size;
    this.notify();
  }

  /** Ends the channel: pending and future `wait`s return, `shift` yields nothing. */
  end(): void {
    this.stopped = true;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    this.notify();
  }

  /** Throws the overflow error if the buffer overflowed. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** The next buffered event; throws the overflow error once the buffer overflowed. */
  shift(): WatchEvent | undefined {
    this.check();
    if (this.head >= this.items.length) return undefined;
    const event = this.items[this.head]!;
    // Do not keep a consumed event (and its values) alive until the next compaction.
    this.items[this.head++] = undefined;
    this.bytes -= eventBytes(event);
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Compact now and then so a long-lived watcher does not keep a long array.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return event;
  }

  /** Resolves when an event, an overflow or the end is available. */
  wait(): Promise<void> {
    if (this.size > 0 || this.failure || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private notify(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
