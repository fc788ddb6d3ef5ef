import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { exponentialFailureRateLimiter } from './rate-limiters.js';
import { RateLimitingQueue } from './rate-limiting-queue.js';

/** Fails `key` once: take it, requeue rate-limited, release it. Returns ms until it is back. */
async function failOnce(q: RateLimitingQueue, clock: FakeClock, key: string): Promise<number> {
  const item = await q.get();
  expect(item).toEqual({ key, shutdown: false });
  q.addRateLimited(key);
  q.done(key);
  let waited = 0;
  while (q.len() === 0) {
    await clock.advance(1);
    waited++;
  }
  return waited;
}

describe('RateLimitingQueue', () => {
  it('requeues a failing key after 5, 10, 20 ms and forget resets the backoff', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    q.add('a');
    expect(await failOnce(q, clock, 'a')).toBe(5);
    expect(await failOnce(q, clock, 'a')).toBe(10);
    expect(await failOnce(q, clock, 'a')).toBe(20);
    expect(q.numRequeues('a')).toBe(3);

    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(await failOnce(q, clock, 'a')).toBe(5);
  });

  it('uses the given rate limiter', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock, rateLimiter: exponentialFailureRateLimiter(50, 60) });
    q.add('a');
    expect(await failOnce(q, clock, 'a')).toBe(50);
    expect(await failOnce(q, clock, 'a')).toBe(60);
  });

  it('ignores rate-limited adds after shutdown without counting them', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    q.shutDown();
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(0);
    await clock.advance(1000);
    expect(q.len()).toBe(0);
  });

  it('counts retries in workqueue_retries_total', async () => {
    const registry = new Registry();
    const q = new RateLimitingQueue({ name: 'rs', clock: new FakeClock(), metrics: registry });
    q.addRateLimited('a');
    q.addRateLimited('b');
    q.addAfter('c', 10);
    expect(await registry.getSingleMetricAsString('workqueue_retries_total')).toContain('workqueue_retries_total{name="rs"} 3');
  });
});
