import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { TokenBucketRateLimiter, rateLimiterFor, unlimitedRateLimiter } from './rate-limiter.js';

/** Starts `n` acquires and records the order in which they are granted. */
function race(limiter: TokenBucketRateLimiter, n: number, signal?: AbortSignal): { granted: number[]; all: Promise<unknown> } {
  const granted: number[] = [];
  const ps = Array.from({ length: n }, (_, i) => limiter.acquire(signal).then(() => void granted.push(i)));
  return { granted, all: Promise.allSettled(ps) };
}

describe('TokenBucketRateLimiter', () => {
  it('grants a full burst at once, then one token per 1/qps seconds, in call order', async () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter({ qps: 10, burst: 3, clock });
    const { granted } = race(limiter, 6);
    await clock.advance(0);
    expect(granted).toEqual([0, 1, 2]);
    await clock.advance(99);
    expect(granted).toEqual([0, 1, 2]);
    await clock.advance(1);
    expect(granted).toEqual([0, 1, 2, 3]);
    await clock.advance(100);
    expect(granted).toEqual([0, 1, 2, 3, 4]);
    await clock.advance(100);
    expect(granted).toEqual([0, 1, 2, 3, 4, 5]);
    expect(clock.waiting).toBe(0);
  });

  it('refills up to burst while idle, never beyond', async () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter({ qps: 5, burst: 2, clock });
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(200);
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(60_000);
    expect(limiter.available).toBe(2);
  });

  it('returns the token of a waiter whose signal aborts, so the next waiter is not delayed', async () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter({ qps: 1, burst: 1, clock });
    await limiter.acquire();
    const ac = new AbortController();
    const aborted = limiter.acquire(ac.signal);
    ac.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    let granted = false;
    void limiter.acquire().then(() => (granted = true));
    await clock.advance(999);
    expect(granted).toBe(false);
    await clock.advance(1);
    expect(granted).toBe(true);
  });

  it('rejects at once for an already aborted signal without taking a token', async () => {
    const limiter = new TokenBucketRateLimiter({ qps: 1, burst: 1, clock: new FakeClock() });
    const ac = new AbortController();
    ac.abort(new Error('already'));
    await expect(limiter.acquire(ac.signal)).rejects.toThrow('already');
    expect(limiter.tryAcquire()).toBe(true);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucketRateLimiter({ qps: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucketRateLimiter({ qps: 1, burst: 0 })).toThrow(RangeError);
  });
});

describe('rateLimiterFor', () => {
  it('defaults to qps 50 and burst 100', async () => {
    const clock = new FakeClock();
    const limiter = rateLimiterFor({}, clock) as TokenBucketRateLimiter;
    expect(limiter).toBeInstanceOf(TokenBucketRateLimiter);
    const { granted } = race(limiter, 101);
    await clock.advance(0);
    expect(granted).toHaveLength(100);
    await clock.advance(20);
    expect(granted).toHaveLength(101);
  });

  it('is unlimitedRateLimiter for qps Infinity or <= 0', async () => {
    expect(rateLimiterFor({ qps: Infinity })).toBe(unlimitedRateLimiter);
    expect(rateLimiterFor({ qps: -1 })).toBe(unlimitedRateLimiter);
    await expect(unlimitedRateLimiter.acquire()).resolves.toBeUndefined();
  });
});
