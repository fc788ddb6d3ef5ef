/**
 * The live half of one watcher: a bounded FIFO the writer pushes committed
 * events into (synchronously, in revision order) and the watch iterator pulls
 * from. When the consumer falls more than `limit` events behind, the channel
 * drops its buffer and fails with WatchOverflowError instead of growing
 * without bound. `end()` stops it at once (abort or store close).
 */
import type { WatchEvent } from './store.js';
import { WatchOverflowError } from './errors.js';

export class WatchChannel {
  private items: WatchEvent[] = [];
  private head = 0;
  private waiter: (() => void) | undefined;
  private failure: WatchOverflowError | undefined;
  private stopped = false;

  constructor(
    readonly prefix: string,
    readonly limit: number,
    /** Called once when the channel overflows, so the owner can stop feeding it. */
    private readonly onOverflow: (channel: WatchChannel) => void = () => {},
  ) {}

  get ended(): boolean {
    return this.stopped;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Called by the writer for each committed event under `prefix`. */
  push(event: WatchEvent): void {
    if (this.stopped || this.failure) return;
    if (this.size >= this.limit) {
      this.failure = new WatchOverflowError(this.limit);
      this.items = [];
      this.head = 0;
      this.onOverflow(this);
      this.notify();
      return;
    }
    this.items.push(event);
    this.notify();
  }

  /** Ends the channel: pending and future `wait`s return, `shift` yields nothing. */
  end(): void {
    this.stopped = true;
    this.items = [];
    this.head = 0;
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
    const event = this.items[this.head++];
    // Compact now and then so a long-lived watcher does not keep every event.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
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
