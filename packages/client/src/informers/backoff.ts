import type { Clock } from '../clock.js';

export interface BackoffOptions {
  /** First delay; doubles on each failure. Default 800 ms (client-go's reflector). */
  minMs?: number;
  /** Ceiling of any delay, jitter included. Default 30 s. */
  maxMs?: number;
  /** Each delay is stretched by up to this fraction at random: d * (1 + jitter * random()). Default 1. */
  jitter?: number;
  /**
   * After this long without a failure the next delay starts again from
   * `minMs`: a connection that stayed healthy that long earns a fresh start.
   * Default 2 minutes.
   */
  resetAfterMs?: number;
  /** Source of randomness in [0, 1); tests pin it. */
  random?: () => number;
}

/**
 * Exponential backoff with jitter, for reconnect loops. Not shared between
 * loops: each reconnecting thing owns one. `next()` both computes the delay
 * and counts the failure.
 */
export class JitteredBackoff {
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly resetAfterMs: number;
  private readonly random: () => number;
  private failures = 0;
  private lastFailureAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    opts: BackoffOptions = {},
  ) {
    this.minMs = opts.minMs ?? 800;
    this.maxMs = Math.max(opts.maxMs ?? 30_000, this.minMs);
    this.jitter = opts.jitter ?? 1;
    this.resetAfterMs = opts.resetAfterMs ?? 120_000;
    this.random = opts.random ?? Math.random;
  }

  /** The delay to wait before the next attempt, given that the last one failed now. */
  next(): number {
    const now = this.clock.now();
    if (this.lastFailureAt !== undefined && now - this.lastFailureAt >= this.resetAfterMs) this.failures = 0;
    this.lastFailureAt = now;
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.min(this.maxMs, Math.round(base * (1 + this.jitter * this.random())));
  }

  /** Forgets past failures: the next delay is `minMs` (plus jitter) again. */
  reset(): void {
    this.failures = 0;
    this.lastFailureAt = undefined;
  }
}
