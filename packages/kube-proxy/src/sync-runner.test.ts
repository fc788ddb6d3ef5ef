import { FakeClock } from '@mk8s/client';
import { describe, expect, it } from 'vitest';
import { SyncRunner } from './sync-runner.js';

describe('SyncRunner', () => {
  it('coalesces bursts, keeps the minimum interval, never overlaps, resyncs periodically, retries failures', async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    let running = 0;
    let maxRunning = 0;
    let fail = false;
    const runner = new SyncRunner(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        starts.push(clock.now());
        await clock.sleep(30);
        running--;
        if (fail) throw new Error('boom');
      },
      { minIntervalMs: 100, maxIntervalMs: 10_000, retryMs: 1000, clock },
    );
    const t0 = clock.now();
    for (let i = 0; i < 50; i++) runner.request();
    await clock.advance(10);
    expect(starts).toEqual([t0]);
    // Requests during the run fold into one more run, 100 ms after the first started.
    for (let i = 0; i < 10; i++) runner.request();
    await clock.advance(200);
    expect(starts.map((s) => s - t0)).toEqual([0, 100]);
    // Idle: the periodic resync comes 10 s after the last start.
    await clock.advance(10_000);
    expect(starts.map((s) => s - t0)).toEqual([0, 100, 10_100]);
    fail = true;
    runner.request();
    await clock.advance(150);
    expect(starts).toHaveLength(4);
    fail = false;
    await clock.advance(1100);
    expect(starts).toHaveLength(5);
    expect(maxRunning).toBe(1);
    await runner.stop();
    runner.request();
    await clock.advance(20_000);
    expect(starts).toHaveLength(5);
  });
});
