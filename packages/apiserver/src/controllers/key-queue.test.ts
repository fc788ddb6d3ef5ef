import { describe, expect, it } from 'vitest';
import { KeyQueue } from './key-queue.js';

describe('KeyQueue', () => {
  it('syncs keys one at a time in order, a key queued while waiting once', async () => {
    const seen: string[] = [];
    let running = 0;
    const q = new KeyQueue(
      async (key) => {
        running++;
        expect(running).toBe(1);
        await new Promise((r) => setTimeout(r, 5));
        seen.push(key);
        running--;
      },
      { onError: () => undefined },
    );
    q.add('a');
    q.add('b');
    q.add('b');
    q.add('c');
    await q.idle();
    expect(seen).toEqual(['a', 'b', 'c']);
    await q.stop();
  });

  it('retries a failed key with a doubling backoff and stops retrying once stopped', async () => {
    const attempts: number[] = [];
    const delays: number[] = [];
    const q = new KeyQueue(
      async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('not yet');
      },
      { initialBackoffMs: 10, onError: (_k, err, retryInMs) => delays.push(retryInMs) && expect(err).toBe('not yet') },
    );
    q.add('k');
    for (let i = 0; i < 100 && attempts.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(attempts.length).toBe(3);
    expect(delays).toEqual([10, 20]);
    await q.stop();
    q.add('k');
    await q.idle();
    expect(attempts.length).toBe(3);
  });
});
