/**
 * A coalescing runner (Kubernetes' BoundedFrequencyRunner): `request()` asks
 * for a run soon; many requests while one is pending or running fold into one
 * more run. Runs never overlap, start at least `minIntervalMs` apart, and
 * happen at least every `maxIntervalMs` (periodic resync). A failed run is
 * retried after `retryMs`.
 */
import { realClock, type Clock, type TimerHandle } from '@mk8s/client';

export interface SyncRunnerOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  retryMs?: number;
  clock?: Clock;
  onError?: (err: unknown) => void;
}

export class SyncRunner {
  private readonly clock: Clock;
  private pending = false;
  private running = false;
  private lastStart = -Infinity;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly fn: () => Promise<void>,
    private readonly opts: SyncRunnerOptions,
  ) {
    this.clock = opts.clock ?? realClock;
  }

  /** Asks for a run as soon as the minimum interval allows. */
  request(): void {
    if (this.stopped) return;
    this.pending = true;
    if (!this.running) this.schedule(this.lastStart + this.opts.minIntervalMs);
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const when = Math.max(at, now);
    if (this.timer && this.timerAt <= when) return;
    this.timer?.cancel();
    this.timerAt = when;
    this.timer = this.clock.after(when - now, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.idle = this.tick();
    });
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.pending = false;
    this.lastStart = this.clock.now();
    let failed = false;
    try {
      await this.fn();
    } catch (err) {
      failed = true;
      this.opts.onError?.(err);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (this.pending) this.schedule(this.lastStart + this.opts.minIntervalMs);
    else if (failed) this.schedule(this.clock.now() + (this.opts.retryMs ?? 1000));
    else this.schedule(this.lastStart + this.opts.maxIntervalMs);
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.idle;
  }
}
