/**
 * Waiting loops every component needs, in the spirit of apimachinery's
 * wait package: `every` is wait.Until (a function run periodically until
 * the context ends), `aborted` is `<-ctx.Done()`.
 */
import { realClock, type Clock } from './clock.js';

/** Resolves when the signal aborts (at once when it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export interface EveryOptions {
  /** Default: the real clock. */
  clock?: Clock;
  /** Call `fn` before the first wait, as Go's wait.Until does (default: wait first). */
  immediate?: boolean;
}

/**
 * Calls `fn` every `periodMs` until `signal` aborts, then resolves. The
 * period runs from the end of one call to the start of the next (wait.Until's
 * sliding period), so calls never overlap. `fn` may return the wait before
 * the next call instead (a backoff). An error `fn` throws ends the loop and
 * rejects: callers that must keep going catch inside `fn`.
 */
export async function every(periodMs: number, fn: () => void | number | Promise<void | number>, signal: AbortSignal, opts: EveryOptions = {}): Promise<void> {
  const clock = opts.clock ?? realClock;
  let wait = periodMs;
  if (opts.immediate && !signal.aborted) wait = (await fn()) ?? periodMs;
  while (!signal.aborted) {
    try {
      await clock.sleep(wait, signal);
    } catch {
      return; // aborted while waiting
    }
    wait = (await fn()) ?? periodMs;
  }
}
