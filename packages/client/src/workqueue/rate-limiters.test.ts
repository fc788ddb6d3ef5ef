import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { bucketRateLimiter, defaultControllerRateLimiter, exponentialFailureRateLimiter, maxOfRateLimiter } from './rate-limiters.js';
import type { RateLimiter } from './rate-limiters.js';

const delays = (l: RateLimiter, key: string, n: number): number[] => Array.from({ length: n }, () => l.when(key));

describe('exponentialFailureRateLimiter', () => {
  it('doubles from 5 ms per failure of a key', () => {
    const l = exponentialFailureRateLimiter();
    expect(delays(l, 'a', 5)).toEqual([5, 10, 20, 40, 80]);
    expect(l.numRequeues('a')).toBe(5);
  });

  it('caps at 1000 s by default and never overflows', () => {
    const l = exponentialFailureRateLimiter();
    const d = delays(l, 'a', 2000);
    expect(d[17]).toBe(5 * 2 ** 17);
    expect(d[18]).toBe(1_000_000);
    expect(d[1999]).toBe(1_000_000);
  });

  it('caps at a custom maximum', () => {
    expect(delays(exponentialFailureRateLimiter(1, 10), 'a', 6)).toEqual([1, 2, 4, 8, 10, 10]);
  });

  it('tracks keys separately, and forget starts a key over', () => {
    const l = exponentialFailureRateLimiter();
    delays(l, 'a', 3);
    expect(l.when('b')).toBe(5);
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
    expect(l.when('a')).toBe(5);
    expect(l.numRequeues('b')).toBe(1);
  });
});

describe('bucketRateLimiter', () => {
  it('lets a burst through, then spaces calls 1/qps apart', () => {
    const l = bucketRateLimiter(10, 3, new FakeClock());
    expect(delays(l, 'any', 6)).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('refills at qps up to the burst', async () => {
    const clock = new FakeClock();
    const l = bucketRateLimiter(10, 3, clock);
    delays(l, 'x', 3);
    await clock.advance(100);
    expect(delays(l, 'x', 2)).toEqual([0, 100]);
    await clock.advance(60_000);
    expect(delays(l, 'x', 4)).toEqual([0, 0, 0, 100]);
  });

  it('pays back borrowed tokens before granting new ones', async () => {
    const clock = new FakeClock();
    const l = bucketRateLimiter(10, 1, clock);
    expect(delays(l, 'x', 3)).toEqual([0, 100, 200]);
    await clock.advance(100);
    expect(l.when('x')).toBe(200);
  });

  it('keeps no per-key state', () => {
    const l = bucketRateLimiter(10, 1, new FakeClock());
    l.when('a');
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
    expect(l.when('a')).toBe(100);
  });

  it('rejects a non-positive rate or an empty bucket', () => {
    expect(() => bucketRateLimiter(0, 10)).toThrow(RangeError);
    expect(() => bucketRateLimiter(10, 0)).toThrow(RangeError);
  });
});

describe('maxOfRateLimiter', () => {
  it('waits the longest delay, counts the most requeues, forgets in all', () => {
    const clock = new FakeClock();
    const l = maxOfRateLimiter(exponentialFailureRateLimiter(5, 1000), bucketRateLimiter(10, 2, clock));
    expect(delays(l, 'a', 4)).toEqual([5, 10, 100, 200]);
    expect(l.numRequeues('a')).toBe(4);
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
  });

  it('waits nothing when given no limiters', () => {
    expect(maxOfRateLimiter().when('a')).toBe(0);
  });
});

describe('defaultControllerRateLimiter', () => {
  it('combines 5 ms per-key backoff with a 10 qps, burst 100 bucket', () => {
    const l = defaultControllerRateLimiter(new FakeClock());
    const first = Array.from({ length: 100 }, (_, i) => l.when(`k${i}`));
    expect(first.every((d) => d === 5)).toBe(true);
    expect(l.when('k100')).toBe(100);
    expect(l.when('k101')).toBe(200);
    expect(l.numRequeues('k0')).toBe(1);
  });

  it('lets per-key backoff dominate once it exceeds the bucket delay', () => {
    const l = defaultControllerRateLimiter(new FakeClock());
    const d = delays(l, 'a', 20);
    expect(d.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(d[19]).toBe(1_000_000);
  });
});
