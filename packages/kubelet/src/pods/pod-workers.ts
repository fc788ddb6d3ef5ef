import type { Pod } from '@mk8s/api';
import type { Clock, TimerHandle } from '@mk8s/client';
import { silentLogger, type PodLogger } from './logger.js';

/** Syncs one pod; resolves with a delay to sync again after (a backoff), or nothing. */
export type PodSyncFn = (pod: Pod) => Promise<{ requeueAfterMs?: number } | void>;

export interface PodWorkersOptions {
  sync: PodSyncFn;
  clock: Clock;
  /** Delay before retrying a sync that threw (default 1 s, doubling per failure up to 30 s). */
  errorBackoffMs?: number;
  log?: PodLogger;
}

interface Worker {
  /** The newest pod object seen; what a requeue or resync syncs. */
  pod: Pod;
  /** A sync is wanted (the newest update has not been synced yet). */
  pending: boolean;
  running: boolean;
  removed: boolean;
  timer: TimerHandle | undefined;
  timerAt: number;
  failures: number;
}

/**
 * One worker per pod uid (Kubernetes' podWorkers): syncs of one pod never
 * overlap and see the newest update; updates arriving during a sync collapse
 * into one follow-up sync; different pods sync concurrently. `requeueAfter`
 * asks for a later sync (an earlier request wins over a later one). A sync
 * that throws is retried with backoff. `remove` stops the worker: a sync in
 * flight finishes, nothing runs after it.
 */
export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly log: PodLogger;
  private stopped = false;

  constructor(private readonly opts: PodWorkersOptions) {
    this.log = opts.log ?? silentLogger;
  }

  /** Records the newest version of a pod and syncs it (now, or after the sync in flight). */
  update(pod: Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata?.uid ?? '';
    let w = this.workers.get(uid);
    if (!w) {
      w = { pod, pending: false, running: false, removed: false, timer: undefined, timerAt: 0, failures: 0 };
      this.workers.set(uid, w);
    }
    w.pod = pod;
    w.pending = true;
    this.kick(uid, w);
  }

  /** Syncs a known pod again with the newest version seen (PLEG events, resync). No-op for unknown uids. */
  resync(uid: string): void {
    const w = this.workers.get(uid);
    if (!w) return;
    w.pending = true;
    this.kick(uid, w);
  }

  /** Syncs a known pod again after `ms` unless an earlier sync is already scheduled. */
  requeueAfter(uid: string, ms: number): void {
    const w = this.workers.get(uid);
    if (!w || w.removed) return;
    const at = this.opts.clock.now() + ms;
    if (w.timer && w.timerAt <= at) return;
    w.timer?.cancel();
    w.timerAt = at;
    w.timer = this.opts.clock.after(ms, () => {
      w.timer = undefined;
      this.resync(uid);
    });
  }

  /** Forgets a pod: cancels its timers; a sync in flight is not interrupted but nothing follows it. */
  remove(uid: string): void {
    const w = this.workers.get(uid);
    if (!w) return;
    w.removed = true;
    w.timer?.cancel();
    this.workers.delete(uid);
    this.notifyIdle();
  }

  /**
   * Shuts the workers down (kubelet shutdown): every pending timer is
   * cancelled and nothing new starts; syncs in flight finish on their own.
   * Pods and their containers are left as they are.
   */
  stop(): void {
    this.stopped = true;
    for (const uid of [...this.workers.keys()]) this.remove(uid);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  /** The uids with a worker. */
  uids(): string[] {
    return [...this.workers.keys()];
  }

  /** The newest pod object of a worker. */
  pod(uid: string): Pod | undefined {
    return this.workers.get(uid)?.pod;
  }

  /** Resolves when no sync is running or pending (scheduled requeues do not count). For tests and shutdown. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return [...this.workers.values()].every((w) => !w.running && !w.pending) && this.inflight === 0;
  }

  private inflight = 0;

  private kick(uid: string, w: Worker): void {
    if (w.running || w.removed) return;
    w.running = true;
    this.inflight++;
    void this.loop(uid, w).finally(() => {
      this.inflight--;
      this.notifyIdle();
    });
  }

  private async loop(uid: string, w: Worker): Promise<void> {
    try {
      while (w.pending && !w.removed) {
        w.pending = false;
        try {
          const res = await this.opts.sync(w.pod);
          w.failures = 0;
          if (res?.requeueAfterMs !== undefined) this.requeueAfter(uid, res.requeueAfterMs);
        } catch (err) {
          w.failures++;
          const base = this.opts.errorBackoffMs ?? 1000;
          const delay = Math.min(base * 2 ** (w.failures - 1), 30_000);
          this.log.error('pod sync failed', { uid, pod: `${w.pod.metadata?.namespace}/${w.pod.metadata?.name}`, error: (err as Error).message, retryInMs: delay });
          this.requeueAfter(uid, delay);
        }
      }
    } finally {
      w.running = false;
    }
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const r of this.idleWaiters.splice(0)) r();
  }
}
