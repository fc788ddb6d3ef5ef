/**
 * Background compaction: like kube-apiserver's compactor, it periodically
 * compacts the store so history stays bounded, keeping a retention window:
 *
 * - `retainRevisions`: keep the last N revisions (compact to current - N);
 * - `retainMs`: keep the history of the last `retainMs` milliseconds. The
 *   compactor samples (time, current revision) at every tick; the newest
 *   sample at least `retainMs` old tells which revision may go.
 *
 * With both, the larger history (the lower target) wins. With neither, the
 * window is 5 minutes, Kubernetes' default compaction interval.
 */
import type { Store } from './store.js';

export const DEFAULT_RETAIN_MS = 5 * 60 * 1000;

interface Sample {
  at: number;
  revision: number;
}

/** Pure bookkeeping of the retention window: which revision may be compacted at a given time. */
export class RetentionPlanner {
  private readonly samples: Sample[] = [];
  private readonly retainMs: number | undefined;

  constructor(
    private readonly retainRevisions?: number,
    retainMs?: number,
  ) {
    this.retainMs = retainMs ?? (retainRevisions === undefined ? DEFAULT_RETAIN_MS : undefined);
  }

  /** Notes that at time `at` (ms) the current revision was `revision`. Times must not go backwards. */
  record(at: number, revision: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && last.revision === revision) return; // nothing new to compact up to
    this.samples.push({ at, revision });
  }

  /** The highest revision whose history is outside the window at `now` (0: nothing to compact). */
  target(now: number, currentRevision: number): number {
    let target = currentRevision;
    if (this.retainRevisions !== undefined) target = Math.min(target, currentRevision - this.retainRevisions);
    if (this.retainMs !== undefined) {
      const cutoff = now - this.retainMs;
      let eligible = -1;
      for (let i = 0; i < this.samples.length && this.samples[i]!.at <= cutoff; i++) eligible = i;
      if (eligible < 0) return 0;
      // Older samples can never be the answer again.
      this.samples.splice(0, eligible);
      target = Math.min(target, this.samples[0]!.revision);
    }
    return Math.max(0, target);
  }
}

export interface CompactorOptions {
  /** How often to check (ms). */
  intervalMs: number;
  /** Keep history of the last N revisions. */
  retainRevisions?: number;
  /** Keep history of the last `retainMs` milliseconds (default 5 minutes when neither is set). */
  retainMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Called with compaction failures (default: ignored; the next tick retries). */
  onError?: (err: unknown) => void;
}

/**
 * Starts compacting `store` every `intervalMs`. Returns a stop function that
 * cancels the timer and waits for a running compaction. The timer does not
 * keep the process alive. Stop it before closing the store.
 */
export function startCompactor(store: Store, opts: CompactorOptions): () => Promise<void> {
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? (() => {});
  const planner = new RetentionPlanner(opts.retainRevisions, opts.retainMs);
  planner.record(now(), store.currentRevision());
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = (): void => {
    if (running || stopped) return;
    const at = now();
    const current = store.currentRevision();
    planner.record(at, current);
    const target = planner.target(at, current);
    if (target <= store.compactedRevision()) return;
    running = store
      .compact(target)
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  };

  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
