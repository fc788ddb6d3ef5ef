/**
 * Polling for tests, the one loop every suite uses to wait for something the
 * system does on its own time: `eventually` calls a function until it
 * produces a value, `eventuallyMatches` reads something until a predicate
 * accepts it. An error thrown while polling means "not yet"; on timeout the
 * error names what was awaited, the last value read and the last error.
 *
 * @example
 * ```ts
 * const pod = await eventually(async () => {
 *   const p = await client.pods.inNamespace('default').get('web');
 *   return p.status?.phase === 'Running' ? p : undefined;
 * }, { timeoutMs: 30_000, message: 'pod web Running' });
 * ```
 */

export interface EventuallyOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** Pause between tries (default 50 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout error: "timed out after 20000 ms waiting for <message>". */
  message?: string;
  /**
   * Checked before every try. What it throws fails the wait at once (an
   * assertion that must hold all along), unlike an error of the polled
   * function, which only means "not yet".
   */
  invariant?: () => void;
}

/** What a polled function returns while the condition does not hold yet. */
export type NotYet = undefined | null | false;

export const EVENTUALLY_DEFAULT_TIMEOUT_MS = 20_000;
export const EVENTUALLY_DEFAULT_INTERVAL_MS = 50;

const NOT_YET: unique symbol = Symbol('not yet');

/**
 * Calls `fn` until it returns (or resolves to) something other than
 * `undefined`, `null` or `false`, and returns that. Fails after `timeoutMs`.
 */
export async function eventually<T>(fn: () => T | NotYet | PromiseLike<T | NotYet>, opts: EventuallyOptions = {}): Promise<T> {
  return poll(
    async () => {
      const v = await fn();
      return v === undefined || v === null || v === false ? NOT_YET : (v as T);
    },
    opts,
    () => undefined,
  );
}

/**
 * Calls `get` until `ok` accepts what it returns, and returns that. The
 * timeout error shows the last value read (as JSON, cut at 800 characters).
 */
export async function eventuallyMatches<T>(get: () => T | PromiseLike<T>, ok: (value: T) => boolean, opts: EventuallyOptions = {}): Promise<T> {
  let last: { value: T } | undefined;
  return poll(
    async () => {
      const value = await get();
      last = { value };
      return ok(value) ? value : NOT_YET;
    },
    opts,
    () => (last ? `last value: ${describe(last.value)}` : undefined),
  );
}

async function poll<T>(attempt: () => Promise<T | typeof NOT_YET>, opts: EventuallyOptions, lastValue: () => string | undefined): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? EVENTUALLY_DEFAULT_TIMEOUT_MS;
  const intervalMs = opts.intervalMs ?? EVENTUALLY_DEFAULT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let failed = false;
  for (;;) {
    opts.invariant?.();
    try {
      const v = await attempt();
      if (v !== NOT_YET) return v;
    } catch (err) {
      lastError = err;
      failed = true;
    }
    if (Date.now() > deadline) {
      const details = [lastValue(), failed ? `last error: ${String(lastError)}` : undefined].filter((d) => d !== undefined);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.message ?? 'a condition'}${details.map((d) => `; ${d}`).join('')}`, {
        // Kept: `cause` is set (even to undefined) whenever the key is present.
        ...(failed ? { cause: lastError } : {}),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 800);
  } catch {
    return String(value).slice(0, 800);
  }
}
