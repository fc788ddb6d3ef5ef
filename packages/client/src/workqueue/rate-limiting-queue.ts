/**
 * A DelayingQueue that retries keys after a delay chosen by a RateLimiter:
 * the controller's queue. On failure call `addRateLimited(key)`, on success
 * `forget(key)`; either way `done(key)`.
 */
import { DelayingQueue } from './delaying-queue.js';
import type { WorkQueueOptions } from './queue.js';
import { defaultControllerRateLimiter } from './rate-limiters.js';
import type { RateLimiter } from './rate-limiters.js';

export interface RateLimitingQueueOptions<K> extends WorkQueueOptions {
  /** Defaults to defaultControllerRateLimiter on the queue's clock. */
  rateLimiter?: RateLimiter<K>;
}

export class RateLimitingQueue<K = string> extends DelayingQueue<K> {
  readonly rateLimiter: RateLimiter<K>;

  constructor(opts: RateLimitingQueueOptions<K> = {}) {
    super(opts);
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /** Adds `key` after the limiter's delay, counting a retry. Ignored after shutdown. */
  addRateLimited(key: K): void {
    if (this.isShuttingDown()) return;
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears the key's retry history; does not remove it from the queue. */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }
}
