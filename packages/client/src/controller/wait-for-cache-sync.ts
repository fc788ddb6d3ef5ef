/**
 * The gate every controller passes before its first sync (docs/architecture.md,
 * Level-triggered loops): wait until each informer has delivered its initial
 * list.
 */
import type { Clock } from '../clock.js';
import { realClock } from '../clock.js';

export interface HasSynced {
  hasSynced(): boolean;
}

/**
 * Resolves true once every informer reports `hasSynced()`, checking every
 * `pollMs` on `clock`; resolves false if `signal` aborts first (never rejects).
 */
export async function waitForCacheSync(informers: readonly HasSynced[], signal: AbortSignal, clock: Clock = realClock, pollMs = 100): Promise<boolean> {
  for (;;) {
    if (signal.aborted) return false;
    if (informers.every((i) => i.hasSynced())) return true;
    try {
      await clock.sleep(pollMs, signal);
    } catch {
      return false;
    }
  }
}
