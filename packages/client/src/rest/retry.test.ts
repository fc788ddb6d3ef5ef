import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { ApiError, apiErrorFrom } from '../errors.js';
import { DEFAULT_RETRY, retryOnConflict, withBackoff } from './retry.js';

const conflict = (): ApiError => new ApiError({ kind: 'Status', code: 409, reason: 'Conflict', message: 'the object has been modified' });

/** A FakeClock that records the length of every sleep asked of it. */
class RecordingClock extends FakeClock {
  readonly sleeps: number[] = [];
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return super.sleep(ms, signal);
  }
}

/** Runs `p` to completion, moving the fake clock on while it sleeps; returns the sleeps it asked for. */
async function drive<T>(clock: RecordingClock, p: Promise<T>): Promise<{ result: PromiseSettledResult<T>; sleptMs: number[] }> {
  const [result] = await Promise.all([
    Promise.allSettled([p]).then(([r]) => r!),
    (async () => {
      for (let i = 0; i < 100; i++) await clock.advance(1_000);
    })(),
  ]);
  return { result, sleptMs: [...clock.sleeps] };
}

describe('retryOnConflict', () => {
  it('retries conflicts and resolves with the first success', async () => {
    const clock = new RecordingClock();
    let calls = 0;
    const { result, sleptMs } = await drive(
      clock,
      retryOnConflict(
        async () => {
          if (++calls < 3) throw conflict();
          return 'done';
        },
        { clock, jitter: 0 },
      ),
    );
    expect(result).toEqual({ status: 'fulfilled', value: 'done' });
    expect(calls).toBe(3);
    expect(sleptMs).toEqual([10, 10]);
  });

  it('gives up after `steps` attempts (default 5) with the last conflict', async () => {
    const clock = new RecordingClock();
    let calls = 0;
    const last = conflict();
    const { result } = await drive(
      clock,
      retryOnConflict(
        async () => {
          calls++;
          throw calls === 5 ? last : conflict();
        },
        { clock },
      ),
    );
    expect(DEFAULT_RETRY.steps).toBe(5);
    expect(calls).toBe(5);
    expect(result).toEqual({ status: 'rejected', reason: last });
  });

  it('stops at once on an error that is not a conflict', async () => {
    const clock = new RecordingClock();
    let calls = 0;
    const notFound = apiErrorFrom(404, { kind: 'Status', code: 404, reason: 'NotFound' });
    const alreadyExists = apiErrorFrom(409, { kind: 'Status', code: 409, reason: 'AlreadyExists' });
    for (const err of [notFound, alreadyExists, new Error('boom')]) {
      calls = 0;
      clock.sleeps.length = 0;
      const { result } = await drive(
        clock,
        retryOnConflict(
          async () => {
            calls++;
            throw err;
          },
          { clock },
        ),
      );
      expect(calls).toBe(1);
      expect(result).toEqual({ status: 'rejected', reason: err });
    }
  });

  it('honours steps, base delay and factor', async () => {
    const clock = new RecordingClock();
    let calls = 0;
    const { sleptMs } = await drive(
      clock,
      retryOnConflict(
        async () => {
          calls++;
          throw conflict();
        },
        { clock, steps: 4, baseDelayMs: 5, factor: 2, jitter: 0 },
      ),
    );
    expect(calls).toBe(4);
    expect(sleptMs).toEqual([5, 10, 20]);
  });
});

describe('withBackoff', () => {
  it('adds jitter of up to the given fraction', async () => {
    const clock = new RecordingClock();
    let calls = 0;
    const { sleptMs } = await drive(
      clock,
      withBackoff(
        async () => {
          if (++calls < 2) throw apiErrorFrom(503, undefined);
          return calls;
        },
        { clock, baseDelayMs: 100, jitter: 0.5, random: () => 0.5 },
      ),
    );
    expect(sleptMs).toEqual([125]);
  });

  it('retries retryable errors by default and caps waits', async () => {
    const clock = new RecordingClock();
    const seen: number[] = [];
    const { result, sleptMs } = await drive(
      clock,
      withBackoff(
        async (attempt) => {
          seen.push(attempt);
          throw apiErrorFrom(500, undefined);
        },
        { clock, steps: 4, baseDelayMs: 10, factor: 5, jitter: 0, capMs: 30 },
      ),
    );
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(sleptMs).toEqual([10, 30, 30]);
    expect(result.status).toBe('rejected');
  });

  it('does not retry a bad request', async () => {
    let calls = 0;
    await expect(
      withBackoff(async () => {
        calls++;
        throw apiErrorFrom(400, undefined);
      }),
    ).rejects.toBeInstanceOf(ApiError);
    expect(calls).toBe(1);
  });

  it('stops waiting when the signal aborts', async () => {
    const clock = new RecordingClock();
    const ac = new AbortController();
    const p = withBackoff(
      async () => {
        throw apiErrorFrom(503, undefined);
      },
      { clock, signal: ac.signal, baseDelayMs: 1000 },
    );
    await clock.advance(0);
    ac.abort(new Error('shutting down'));
    await expect(p).rejects.toThrow('shutting down');
  });
});
