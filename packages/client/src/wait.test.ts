import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { aborted, every } from './wait.js';

describe('every', () => {
  it('waits a period before each call (or calls first with immediate), never overlapping, until aborted', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const calls: number[] = [];
    const start = clock.now();
    const loop = every(1000, () => void calls.push(clock.now() - start), ac.signal, { clock });
    await clock.advance(3500);
    expect(calls).toEqual([1000, 2000, 3000]);
    ac.abort();
    await loop;

    const ac2 = new AbortController();
    const first: number[] = [];
    const t0 = clock.now();
    const loop2 = every(1000, () => void first.push(clock.now() - t0), ac2.signal, { clock, immediate: true });
    await clock.advance(1500);
    expect(first).toEqual([0, 1000]);
    ac2.abort();
    await loop2;
  });

  it('takes the next wait from what fn returns (a backoff), and rejects with what fn throws', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const calls: number[] = [];
    const t0 = clock.now();
    const waits = [100, 200, 400];
    const loop = every(
      1000,
      () => {
        calls.push(clock.now() - t0);
        return waits.shift();
      },
      ac.signal,
      { clock },
    );
    await clock.advance(2800);
    // 1000 (period), then +100, +200, +400, then the period again.
    expect(calls).toEqual([1000, 1100, 1300, 1700, 2700]);
    ac.abort();
    await loop;
    await expect(
      every(
        10,
        () => {
          throw new Error('boom');
        },
        new AbortController().signal,
        { immediate: true },
      ),
    ).rejects.toThrow('boom');
  });

  it('aborted resolves when the signal aborts, at once if it has', async () => {
    const ac = new AbortController();
    let done = false;
    const p = aborted(ac.signal).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    ac.abort();
    await p;
    expect(done).toBe(true);
    await aborted(ac.signal);
  });
});
