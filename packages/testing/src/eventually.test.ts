import { errorMessage } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { eventually, eventuallyMatches } from './eventually.js';

describe('eventually', () => {
  it('returns the first value that is not undefined, null or false', async () => {
    const answers: unknown[] = [undefined, null, false, 0];
    let calls = 0;
    const v = await eventually(() => answers[calls++] as number | undefined, { intervalMs: 1 });
    expect(v).toBe(0);
    expect(calls).toBe(4);
  });

  it('awaits a promise and counts a thrown error as not yet', async () => {
    let calls = 0;
    const v = await eventually(
      async () => {
        calls++;
        if (calls < 3) throw new Error('not there');
        return 'there';
      },
      { intervalMs: 1 },
    );
    expect(v).toBe('there');
  });

  it('fails after the timeout, naming what it waited for and the last error', async () => {
    const err = await eventually(
      () => {
        throw new Error('boom');
      },
      { timeoutMs: 30, intervalMs: 5, message: 'the thing' },
    ).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^timed out after 30 ms waiting for the thing; last error: Error: boom$/);
    expect(errorMessage(err.cause)).toBe('boom');
  });

  it('stops at once when the invariant throws', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      eventually(() => undefined, {
        timeoutMs: 5_000,
        intervalMs: 1,
        invariant: () => {
          if (++calls === 3) throw new Error('invariant broken');
        },
      }),
    ).rejects.toThrow('invariant broken');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('eventuallyMatches', () => {
  it('returns the first value the predicate accepts', async () => {
    let n = 0;
    expect(
      await eventuallyMatches(
        async () => ++n,
        (v) => v >= 3,
        { intervalMs: 1 },
      ),
    ).toBe(3);
  });

  it('reports the last value read on timeout', async () => {
    await expect(
      eventuallyMatches(
        () => ({ phase: 'Pending' }),
        (v) => v.phase === 'Running',
        { timeoutMs: 20, intervalMs: 5, message: 'Running' },
      ),
    ).rejects.toThrow('timed out after 20 ms waiting for Running; last value: {"phase":"Pending"}');
  });
});
