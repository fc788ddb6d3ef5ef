import type { Clock } from '@mk8s/client';

export interface BackoffOptions {
  /** First delay (default 10 s). */
  initialMs: number;
  /** Cap on the delay (default 300 s). */
  maxMs: number;
  /** An entry not bumped for this long is forgotten: the next failure starts again at initialMs (default 10 min). */
  resetMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 };

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

/**
 * Per-key exponential backoff on a Clock, with the semantics of Kubernetes'
 * flowcontrol.Backoff as the kubelet uses it for restarts and image pulls:
 * - `next(key)` is called when an attempt is made: the first call sets the
 *   delay to initialMs, each later one doubles it up to maxMs;
 * - `remainingMs(key, since)` is how much longer an attempt must wait when
 *   the last one failed at `since` (0: go ahead);
 * - an entry untouched for resetMs (e.g. a container that ran cleanly for
 *   10 minutes before dying) expires, so backoff starts over.
 */
export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  /** Records an attempt now and returns the delay that the next failure will wait. */
  next(key: string): number {
    const now = this.clock.now();
    const e = this.live(key, now);
    const delayMs = e ? Math.min(e.delayMs * 2, this.opts.maxMs) : Math.min(this.opts.initialMs, this.opts.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: now });
    return delayMs;
  }

  /** The current delay of `key` (0 when it has none or it expired). */
  delayMs(key: string): number {
    return this.live(key, this.clock.now())?.delayMs ?? 0;
  }

  /** How long an attempt must still wait if the previous one ended at `sinceMs`; 0 when not in backoff. */
  remainingMs(key: string, sinceMs: number): number {
    const e = this.live(key, this.clock.now());
    if (!e) return 0;
    return Math.max(0, sinceMs + e.delayMs - this.clock.now());
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (a pod's keys when it goes). */
  resetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  private live(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.lastUpdate >= this.opts.resetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}
