/**
 * Rate limiters decide how long a key waits before it is retried, as
 * client-go's workqueue rate limiters do. `when(key)` records a retry and
 * returns the delay in milliseconds; `forget(key)` ends the key's retry
 * history (call it once the key is processed successfully).
 */
import type { Clock } from '../clock.js';
import { realClock } from '../clock.js';

export interface RateLimiter<K = string> {
  /** Records a retry of `key` and returns how long to wait before it, in ms. */
  when(key: K): number;
  /** Forgets the key's failures; its next `when` starts from the beginning. */
  forget(key: K): void;
  /** How many times `when` was called for `key` since it was last forgotten. */
  numRequeues(key: K): number;
}

/**
 * Per-key exponential backoff: `baseMs * 2^failures`, capped at `maxMs`.
 * With the defaults: 5, 10, 20, ... ms, reaching 1000 s after 18 failures.
 */
export function exponentialFailureRateLimiter<K = string>(baseMs = 5, maxMs = 1_000_000): RateLimiter<K> {
  const failures = new Map<K, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      const backoff = baseMs * 2 ** n;
      return Number.isFinite(backoff) && backoff < maxMs ? backoff : maxMs;
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues(key) {
      return failures.get(key) ?? 0;
    },
  };
}

/**
 * One token bucket shared by all keys: `burst` tokens, refilled at `qps` per
 * second. Each `when` takes a token, borrowing from the future when the bucket
 * is empty, so the returned delay spaces retries `1/qps` seconds apart. It
 * keeps no per-key state: `forget` does nothing and `numRequeues` is 0.
 */
export function bucketRateLimiter<K = string>(qps = 10, burst = 100, clock: Clock = realClock): RateLimiter<K> {
  if (!(qps > 0)) throw new RangeError(`qps must be positive, got ${qps}`);
  if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      if (now > last) {
        tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
        last = now;
      }
      tokens -= 1;
      return tokens >= 0 ? 0 : (-tokens * 1000) / qps;
    },
    forget() {},
    numRequeues() {
      return 0;
    },
  };
}

/** Waits as long as the slowest of `limiters` says; counts as the most-requeued one. */
export function maxOfRateLimiter<K = string>(...limiters: Array<RateLimiter<K>>): RateLimiter<K> {
  return {
    when(key) {
      let delay = 0;
      for (const l of limiters) delay = Math.max(delay, l.when(key));
      return delay;
    },
    forget(key) {
      for (const l of limiters) l.forget(key);
    },
    numRequeues(key) {
      let n = 0;
      for (const l of limiters) n = Math.max(n, l.numRequeues(key));
      return n;
    },
  };
}

/**
 * client-go's default for controllers: per-key backoff from 5 ms to 1000 s,
 * and overall no more than 10 retries per second after a burst of 100.
 */
export function defaultControllerRateLimiter<K = string>(clock: Clock = realClock): RateLimiter<K> {
  return maxOfRateLimiter<K>(exponentialFailureRateLimiter<K>(5, 1_000_000), bucketRateLimiter<K>(10, 100, clock));
}
