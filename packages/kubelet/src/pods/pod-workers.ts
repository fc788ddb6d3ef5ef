import { errorMessage, type Pod } from '@mk8s/api';
import type { Clock, TimerHandle } from '@mk8s/client';
import { silentLogger, type Logger } from '@mk8s/client';

/** Syncs one pod; resolves with a delay to sync again after (a backoff), or nothing. */
export type PodSyncFn = (pod: Pod) => Promise<{ requeueAfterMs?: number } | void>;

/**
 * One step of a pod that is going away. `gone`: the pod is no longer in the
 * API (deleted, or force-deleted), not just marked for deletion.
 */
export type PodTerminationFn = (pod: Pod, gone: boolean) => Promise<void>;

/**
 * Where a pod's worker stands (Kubernetes' pod_workers.go):
 * - `syncing`: the pod should run; every update, event and resync calls `sync`;
 * - `terminating`: the pod has a deletionTimestamp or is gone from the API;
 *   `syncTerminating` stops everything of it and no container starts again;
 * - `terminated`: nothing of it runs; `syncTerminated` cleans up (removes
 *   its containers, sandboxes and folder, confirms the deletion). Once that
 *   succeeded the worker is finished; it is forgotten when the pod is gone
 *   from the API (at once if it already is).
 * A pod only moves forwards; errors retry the same step with backoff.
 */
export type PodWorkerState = 'syncing' | 'terminating' | 'terminated';

export interface PodWorkersOptions {
  /** syncPod: the `syncing` step. */
  sync: PodSyncFn;
  /** syncTerminatingPod: the `terminating` step; when it resolves the pod is terminated (default: nothing to stop). */
  syncTerminating?: PodTerminationFn;
  /** syncTerminatedPod: the `terminated` step; when it resolves the worker is finished (default: nothing to clean up). */
  syncTerminated?: PodTerminationFn;
  /** Called when a finished pod is forgotten (its worker is gone for good). */
  onForget?: (uid: string) => void;
  clock: Clock;
  /** Delay before retrying a sync that threw (default 1 s, doubling per failure up to 30 s). */
  errorBackoffMs?: number;
  log?: Logger;
}

interface Worker {
  /** The newest pod object seen; what a requeue or resync syncs. */
  pod: Pod;
  state: PodWorkerState;
  /** The pod is gone from the API: forgotten as soon as it is finished. */
  gone: boolean;
  /** Terminated and cleaned up: nothing runs for it any more. */
  finished: boolean;
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
 * into one follow-up sync; different pods sync concurrently. Each worker
 * owns its pod's state (PodWorkerState): `update` with a deletionTimestamp,
 * or `delete`, moves a syncing pod to terminating, and the worker then runs
 * syncTerminating and syncTerminated once each before it is finished.
 * `requeueAfter` asks for a later step (an earlier request wins over a later
 * one). A step that throws is retried with backoff. `remove` drops the worker
 * at once: a step in flight finishes, nothing runs after it.
 */
export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly opts: PodWorkersOptions) {
    this.log = opts.log ?? silentLogger;
  }

  /**
   * Records the newest version of a pod and runs its current step (now, or
   * after the one in flight). A deletionTimestamp makes it terminating.
   * Updates of a finished pod are ignored.
   */
  update(pod: Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata?.uid ?? '';
    const w = this.worker(uid, pod);
    if (w.finished) return;
    w.pod = pod;
    if (pod.metadata?.deletionTimestamp) this.terminate(w);
    w.pending = true;
    this.kick(uid, w);
  }

  /**
   * The pod is gone from the API: it is terminated (whatever its state) and
   * cleaned up, then forgotten; a finished pod is forgotten at once.
   */
  delete(pod: Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata?.uid ?? '';
    const w = this.worker(uid, pod);
    if (w.finished) {
      this.forget(uid);
      return;
    }
    w.pod = pod;
    w.gone = true;
    this.terminate(w);
    w.pending = true;
    this.kick(uid, w);
  }

  /** The pod's state; undefined when it has no worker. */
  state(uid: string): PodWorkerState | undefined {
    return this.workers.get(uid)?.state;
  }

  /** Whether the pod is terminated and cleaned up (its worker only waits for the pod to leave the API). */
  isFinished(uid: string): boolean {
    return this.workers.get(uid)?.finished ?? false;
  }

  /** Runs a known pod's current step again with the newest version seen (PLEG events, resync). No-op for unknown uids and finished pods. */
  resync(uid: string): void {
    const w = this.workers.get(uid);
    if (!w || w.finished) return;
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

  /** Drops a pod's worker now, whatever its state: cancels its timers; a step in flight is not interrupted but nothing follows it. */
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

  private worker(uid: string, pod: Pod): Worker {
    let w = this.workers.get(uid);
    if (!w) {
      w = { pod, state: 'syncing', gone: false, finished: false, pending: false, running: false, removed: false, timer: undefined, timerAt: 0, failures: 0 };
      this.workers.set(uid, w);
    }
    return w;
  }

  /** syncing -> terminating; later states stay as they are. */
  private terminate(w: Worker): void {
    if (w.state === 'syncing') w.state = 'terminating';
  }

  private forget(uid: string): void {
    this.remove(uid);
    this.opts.onForget?.(uid);
  }

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
          await this.step(uid, w);
          w.failures = 0;
        } catch (err) {
          w.failures++;
          const base = this.opts.errorBackoffMs ?? 1000;
          const delay = Math.min(base * 2 ** (w.failures - 1), 30_000);
          this.log.error({ uid, pod: `${w.pod.metadata?.namespace}/${w.pod.metadata?.name}`, error: errorMessage(err), retryInMs: delay }, 'pod sync failed');
          this.requeueAfter(uid, delay);
        }
      }
    } finally {
      w.running = false;
    }
  }

  /** Runs the step of the pod's current state; a step that completes moves it on. */
  private async step(uid: string, w: Worker): Promise<void> {
    switch (w.state) {
      case 'syncing': {
        const res = await this.opts.sync(w.pod);
        if (res?.requeueAfterMs !== undefined) this.requeueAfter(uid, res.requeueAfterMs);
        return;
      }
      case 'terminating':
        await this.opts.syncTerminating?.(w.pod, w.gone);
        w.state = 'terminated';
        w.pending = true;
        return;
      case 'terminated':
        if (w.finished) return;
        await this.opts.syncTerminated?.(w.pod, w.gone);
        w.finished = true;
        if (w.gone) this.forget(uid);
        return;
    }
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const r of this.idleWaiters.splice(0)) r();
  }
}
