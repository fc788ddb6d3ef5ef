import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { JitteredBackoff } from './backoff.js';

describe('JitteredBackoff', () => {
  it('doubles from the minimum up to the ceiling', () => {
    const b = new JitteredBackoff(new FakeClock(), { minMs: 800, maxMs: 5000, random: () => 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([800, 1600, 3200, 5000, 5000]);
  });

  it('stretches each delay by the jitter fraction and never past the ceiling', () => {
    const b = new JitteredBackoff(new FakeClock(), { minMs: 800, maxMs: 2000, jitter: 1, random: () => 0.5 });
    expect([b.next(), b.next(), b.next()]).toEqual([1200, 2000, 2000]);
    const half = new JitteredBackoff(new FakeClock(), { minMs: 1000, jitter: 0.2, random: () => 0.999 });
    const d = half.next();
    expect(d).toBeGreaterThanOrEqual(1000);
    expect(d).toBeLessThanOrEqual(1200);
  });

  it('starts over after a healthy period without failures', async () => {
    const clock = new FakeClock();
    const b = new JitteredBackoff(clock, { minMs: 100, resetAfterMs: 60_000, random: () => 0 });
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
    await clock.advance(59_999);
    expect(b.next()).toBe(800);
    await clock.advance(60_000);
    expect(b.next()).toBe(100);
  });

  it('reset() forgets failures', () => {
    const b = new JitteredBackoff(new FakeClock(), { minMs: 10, random: () => 0 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(10);
  });
});
