import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { waitForCacheSync } from './wait-for-cache-sync.js';

const informer = (synced = false): { synced: boolean; hasSynced(): boolean } => ({
  synced,
  hasSynced() {
    return this.synced;
  },
});

describe('waitForCacheSync', () => {
  it('resolves true at once when every informer has synced', async () => {
    const clock = new FakeClock();
    expect(await waitForCacheSync([informer(true), informer(true)], new AbortController().signal, clock)).toBe(true);
    expect(clock.waiting).toBe(0);
  });

  it('resolves true on the first poll after the last informer syncs', async () => {
    const clock = new FakeClock();
    const a = informer(true);
    const b = informer(false);
    let result: boolean | undefined;
    void waitForCacheSync([a, b], new AbortController().signal, clock, 100).then((r) => (result = r));
    await clock.advance(1000);
    expect(result).toBeUndefined();
    b.synced = true;
    await clock.advance(99);
    expect(result).toBeUndefined();
    await clock.advance(1);
    expect(result).toBe(true);
  });

  it('resolves false when the signal aborts first, or was already aborted', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const waiting = waitForCacheSync([informer(false)], ac.signal, clock);
    await clock.advance(500);
    ac.abort();
    expect(await waiting).toBe(false);
    expect(clock.waiting).toBe(0);
    expect(await waitForCacheSync([informer(true)], ac.signal, clock)).toBe(false);
  });
});
