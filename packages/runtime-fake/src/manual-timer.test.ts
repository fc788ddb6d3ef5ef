import { describe, expect, it } from 'vitest';
import { ManualTimer } from './manual-timer.js';

describe('ManualTimer', () => {
  it('fires due timers in time order, ties in the order they were set, and skips cancelled ones', async () => {
    const timer = new ManualTimer(1_000);
    const fired: string[] = [];
    timer.after(20, () => fired.push('b'));
    timer.after(10, () => fired.push('a1'));
    timer.after(10, () => fired.push('a2'));
    timer.after(15, () => fired.push('never')).cancel();
    timer.after(30, () => fired.push('late'));

    await timer.advance(20);
    expect(fired).toEqual(['a1', 'a2', 'b']);
    expect(timer.now()).toBe(1_020);
    expect(timer.pendingCount()).toBe(1);
  });

  it('fires timers set by earlier timers within the same advance, after their promises ran', async () => {
    const timer = new ManualTimer(0);
    const seen: number[] = [];
    const sleep = (ms: number) => new Promise<void>((r) => timer.after(ms, r));
    void (async () => {
      await sleep(5);
      seen.push(timer.now());
      await sleep(5);
      seen.push(timer.now());
    })();
    await timer.advance(10);
    expect(seen).toEqual([5, 10]);
  });
});
