import { describe, expect, it } from 'vitest';
import { FakeClock, realClock } from './clock.js';

describe('FakeClock', () => {
  it('fires timers in time order as time advances, never early', async () => {
    const c = new FakeClock(0);
    const fired: string[] = [];
    c.after(30, () => fired.push('c'));
    c.after(10, () => fired.push('a'));
    c.after(10, () => fired.push('b'));
    await c.advance(9);
    expect(fired).toEqual([]);
    await c.advance(1);
    expect(fired).toEqual(['a', 'b']);
    expect(c.now()).toBe(10);
    await c.advance(100);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(c.now()).toBe(110);
  });

  it('runs timers set by timers within the same advance, and honours cancel', async () => {
    const c = new FakeClock(0);
    const fired: number[] = [];
    c.after(5, () => c.after(5, () => fired.push(c.now())));
    const h = c.after(7, () => fired.push(-1));
    h.cancel();
    await c.advance(20);
    expect(fired).toEqual([10]);
  });

  it('sleep resolves on time and rejects on abort', async () => {
    const c = new FakeClock(0);
    let done = false;
    const p = c.sleep(50).then(() => (done = true));
    await c.advance(49);
    expect(done).toBe(false);
    await c.advance(1);
    await p;
    expect(done).toBe(true);
    const ac = new AbortController();
    const q = c.sleep(50, ac.signal);
    ac.abort(new Error('stop'));
    await expect(q).rejects.toThrow('stop');
    expect(c.waiting).toBe(0);
  });
});

describe('realClock', () => {
  it('sleeps and can be aborted', async () => {
    const t0 = Date.now();
    await realClock.sleep(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    const ac = new AbortController();
    const p = realClock.sleep(10_000, ac.signal);
    ac.abort(new Error('aborted'));
    await expect(p).rejects.toThrow('aborted');
  });
});
