/**
 * The work queue of the API server's own controllers (the CRD controller,
 * the APIService registration and availability controllers): level-triggered
 * keys, synced one at a time in the order queued. A key queued again while
 * it waits is synced once; a failed sync is retried after a backoff that
 * doubles from 1 s to 30 s, and a success resets it. The controller
 * manager's controllers use @mk8s/client's rate-limited queue instead; these
 * run inside the API server, which does not depend on the client.
 */
import { errorMessage } from '@mk8s/api';

export interface KeyQueueOptions {
  /** Told about a failed sync before its retry is scheduled. */
  onError(key: string, err: string, retryInMs: number): void;
  /** First retry delay (default 1 s) and its cap (default 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export class KeyQueue {
  private readonly queued = new Set<string>();
  private readonly backoff = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly sync: (key: string) => Promise<void>,
    private readonly opts: KeyQueueOptions,
  ) {}

  add(key: string): void {
    if (this.stopped || !key || this.queued.has(key)) return;
    this.queued.add(key);
    this.running = this.running.then(async () => {
      this.queued.delete(key);
      if (this.stopped) return;
      try {
        await this.sync(key);
        this.backoff.delete(key);
      } catch (err) {
        const first = this.opts.initialBackoffMs ?? 1_000;
        const delay = Math.min(this.backoff.has(key) ? this.backoff.get(key)! * 2 : first, this.opts.maxBackoffMs ?? 30_000);
        this.backoff.set(key, delay);
        this.opts.onError(key, errorMessage(err), delay);
        this.addAfter(key, delay);
      }
    });
  }

  /** Queues `key` after `ms` (a recheck or a retry); nothing once stopped. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    t.unref?.();
    this.timers.add(t);
  }

  /** Resolves when every key queued so far has been synced (or failed). */
  idle(): Promise<void> {
    return this.running;
  }

  /** No more syncs: pending retries are dropped; resolves when the running one ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.running.catch(() => undefined);
  }
}
