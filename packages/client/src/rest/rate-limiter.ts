/**
 * Client-side throttling of request starts (client-go's token bucket): a
 * bucket of `burst` tokens refilled at `qps` per second; each request start
 * takes one. A long-running watch or log stream takes one token when it
 * starts and nothing afterwards.
 */
import { realClock, type Clock } from '../clock.js';
import { DEFAULT_BURST, DEFAULT_QPS } from './config.js';

export interface RateLimiter {
  /**
   * Resolves when the caller may start a request. Callers are served in call
   * order. Rejects with the signal's reason if it aborts first; the aborted
   * caller's token goes back to the bucket.
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Takes a token if one is available now, without waiting. */
  tryAcquire(): boolean;
}

export interface TokenBucketOptions {
  qps: number;
  burst: number;
  clock?: Clock;
}

/**
 * Tokens are reserved at call time, so the bucket may go negative: the n-th
 * waiter past an empty bucket waits n/qps seconds. That keeps waiters in call
 * order without a queue of timers depending on each other.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.qps > 0)) throw new RangeError(`qps must be positive, got ${opts.qps}`);
    if (!(opts.burst >= 1)) throw new RangeError(`burst must be at least 1, got ${opts.burst}`);
    this.qps = opts.qps;
    this.burst = Math.floor(opts.burst);
    this.clock = opts.clock ?? realClock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** Tokens available now (negative while callers wait for reserved ones). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  tryAcquire(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    const waitMs = Math.ceil((-this.tokens / this.qps) * 1000);
    try {
      await this.clock.sleep(waitMs, signal);
    } catch (err) {
      this.tokens += 1;
      throw err;
    }
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000);
  }
}

/** Never waits: for `qps` of Infinity or <= 0, and for tests. */
export const unlimitedRateLimiter: RateLimiter = {
  acquire: (signal) => (signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve()),
  tryAcquire: () => true,
};

/** The limiter a ClientConfig asks for: a token bucket, or `unlimitedRateLimiter` when qps is not a positive finite number. */
export function rateLimiterFor(config: { qps?: number; burst?: number }, clock?: Clock): RateLimiter {
  const qps = config.qps ?? DEFAULT_QPS;
  if (!(qps > 0) || !Number.isFinite(qps)) return unlimitedRateLimiter;
  return new TokenBucketRateLimiter({ qps, burst: Math.max(1, config.burst ?? DEFAULT_BURST), clock });
}
