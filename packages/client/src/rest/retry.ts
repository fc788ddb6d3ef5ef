/**
 * Retrying with exponential backoff (client-go's wait.Backoff and
 * retry.RetryOnConflict): for read-modify-write loops that lose races on
 * resourceVersion, and for calls that meet passing server trouble.
 */
import { realClock, type Clock } from '../clock.js';
import { isConflict, isRetryable } from '../errors.js';

export interface BackoffOptions {
  /** Attempts in all (the first call included); default 5. */
  steps?: number;
  /** Wait before the second attempt; default 10ms. */
  baseDelayMs?: number;
  /** Each wait is the previous times this; default 1 (constant). */
  factor?: number;
  /** Each wait is lengthened by up to this fraction, at random; default 0.1. */
  jitter?: number;
  /** Waits never exceed this (before jitter); default none. */
  capMs?: number;
  clock?: Clock;
  /** Stops waiting: the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Source of randomness for jitter, in [0, 1); default Math.random. */
  random?: () => number;
}

/** client-go's DefaultRetry: for conflicts, which clear up fast. */
export const DEFAULT_RETRY: Readonly<Required<Pick<BackoffOptions, 'steps' | 'baseDelayMs' | 'factor' | 'jitter'>>> = Object.freeze({
  steps: 5,
  baseDelayMs: 10,
  factor: 1,
  jitter: 0.1,
});

/** client-go's DefaultBackoff: for server trouble, which takes longer to clear (10ms, 50ms, 250ms). */
export const DEFAULT_BACKOFF: Readonly<Required<Pick<BackoffOptions, 'steps' | 'baseDelayMs' | 'factor' | 'jitter'>>> = Object.freeze({
  steps: 4,
  baseDelayMs: 10,
  factor: 5,
  jitter: 0.1,
});

/**
 * Calls `fn` until it resolves, an error is not `retryable` (default: the
 * errors module's isRetryable), or `steps` attempts have failed; then
 * rejects with the last error. `fn` gets the attempt number, from 0.
 */
export async function withBackoff<T>(fn: (attempt: number) => Promise<T>, opts: BackoffOptions & { retryable?: (err: unknown) => boolean } = {}): Promise<T> {
  const steps = Math.max(1, Math.floor(opts.steps ?? DEFAULT_BACKOFF.steps));
  const factor = opts.factor ?? DEFAULT_BACKOFF.factor;
  const jitter = opts.jitter ?? DEFAULT_BACKOFF.jitter;
  const clock = opts.clock ?? realClock;
  const random = opts.random ?? Math.random;
  const retryable = opts.retryable ?? isRetryable;
  let delay = opts.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs;
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt + 1 >= steps || !retryable(err)) throw err;
    }
    const base = opts.capMs !== undefined ? Math.min(delay, opts.capMs) : delay;
    await clock.sleep(jitter > 0 ? base + random() * jitter * base : base, opts.signal);
    delay *= factor;
  }
}

/**
 * Runs a read-modify-write `fn` again while it fails with 409 Conflict
 * (stale resourceVersion), with DEFAULT_RETRY's backoff unless told
 * otherwise. `fn` must read the object afresh on each attempt. Any other
 * error, or a conflict on the last attempt, rejects at once.
 */
export function retryOnConflict<T>(fn: () => Promise<T>, opts: BackoffOptions = {}): Promise<T> {
  return withBackoff(() => fn(), { ...DEFAULT_RETRY, ...stripUndefined(opts), retryable: isConflict });
}

function stripUndefined<O extends object>(o: O): Partial<O> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
}
