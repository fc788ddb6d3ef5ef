/**
 * Helpers shared by this package's tests (not part of the public API).
 */
import type { WatchEvent } from '../store.js';

/** Pulls exactly `n` events from a watch iterator, failing after `timeoutMs`. */
export async function take(iterator: AsyncIterator<WatchEvent>, n: number, timeoutMs = 5_000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (events.length < n) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${events.length}/${n} events`)), Math.max(remaining, 1));
    });
    try {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) throw new Error(`watch ended after ${events.length}/${n} events`);
      events.push(next.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return events;
}

/** Revisions of a list of events. */
export function revisions(events: WatchEvent[]): number[] {
  return events.map((e) => e.kv.modRevision);
}

/** [from, from+1, ..., to]. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
