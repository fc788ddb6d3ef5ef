/**
 * The scheduling queue (Kubernetes' PriorityQueue): three places a pending
 * pod can wait, and the rules that move it between them.
 *
 * - active: ready to be tried, ordered by `spec.priority` (higher first),
 *   then by when it entered the queue (older first);
 * - backoff: failed recently; waits `initialBackoffMs * 2^(attempts-1)`
 *   (capped at `maxBackoffMs`) from its last failure, then goes active;
 * - unschedulable: fit no node; waits for a cluster event that may help
 *   (`moveAllToActiveOrBackoff`: a node added or changed, a pod deleted,
 *   an assumed pod forgotten) or, at the latest, `maxUnschedulableMs`.
 *
 * A popped pod is "in flight" until the scheduler reports the outcome with
 * `done`, `addUnschedulable` or `addBackoff`; a pod deleted meanwhile is not
 * re-queued. Event handlers only call add/update/delete/move: the queue never
 * decides whether a pod fits.
 *
 * Time comes from a Clock; `run(signal)` drives the periodic flushes.
 */
import type { Pod } from '@mk8s/api';
import { aborted, realClock, type Clock, type TimerHandle } from '@mk8s/client';
import { podKey } from '../framework/pod-info.js';
import { KeyedHeap } from './heap.js';

export interface QueuedPodInfo {
  pod: Pod;
  key: string;
  /** When it last entered a queue: orders equal priorities, and backoff counts from it. */
  timestamp: number;
  /** When it was first popped (scheduling latency is measured from here). */
  initialAttemptTimestamp: number | undefined;
  /** Scheduling attempts so far (incremented on pop). */
  attempts: number;
  /** Tie-breaker for equal priority and timestamp: first come, first served. */
  seq: number;
  /** The move counter when it was popped; a move since then means the failure may be stale. */
  popMoveSeq: number;
  /** Set by `update` while in flight: the pod changed, so a failure is retried soon. */
  updatedInFlight: boolean;
}

export interface SchedulingQueueOptions {
  clock?: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
  /** How often backoff and unschedulable pods are checked (Kubernetes: 1 s). */
  flushIntervalMs?: number;
}

export interface QueueLengths {
  active: number;
  backoff: number;
  unschedulable: number;
  inFlight: number;
}

function priority(q: QueuedPodInfo): number {
  return q.pod.spec?.priority ?? 0;
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly flushIntervalMs: number;
  private readonly active = new KeyedHeap<QueuedPodInfo>(
    (q) => q.key,
    (a, b) => {
      const pa = priority(a);
      const pb = priority(b);
      if (pa !== pb) return pa > pb;
      return a.timestamp !== b.timestamp ? a.timestamp < b.timestamp : a.seq < b.seq;
    },
  );
  private readonly backoff = new KeyedHeap<QueuedPodInfo>(
    (q) => q.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b) || (this.backoffExpiry(a) === this.backoffExpiry(b) && a.seq < b.seq),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private readonly waiters: Array<(q: QueuedPodInfo | undefined) => void> = [];
  private seq = 0;
  private moveSeq = 0;
  private closed = false;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 60_000;
    this.flushIntervalMs = opts.flushIntervalMs ?? 1000;
  }

  /** A new pending pod (or one seen again): active, unless it is already queued or in flight. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.refresh(key, pod)) return;
    this.pushActive({
      pod,
      key,
      timestamp: this.clock.now(),
      initialAttemptTimestamp: undefined,
      attempts: 0,
      seq: this.seq++,
      popMoveSeq: 0,
      updatedInFlight: false,
    });
  }

  /**
   * The pending pod changed. `relevant` says whether the change may make it
   * fit (spec or labels, not just status): an unschedulable pod is then
   * retried (after its backoff); otherwise only the stored object changes.
   */
  update(pod: Pod, relevant: boolean): void {
    const key = podKey(pod);
    const parked = this.unschedulable.get(key);
    if (parked) {
      parked.pod = pod;
      if (relevant) {
        this.unschedulable.delete(key);
        this.requeue(parked);
      }
      return;
    }
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.pod = pod;
      if (relevant) flying.updatedInFlight = true;
      return;
    }
    if (!this.refresh(key, pod)) this.add(pod);
  }

  /** The pod is gone, bound, or no longer ours: forget it everywhere (in flight too). */
  delete(pod: Pod | string): void {
    const key = typeof pod === 'string' ? pod : podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** Takes the next active pod now, if any (marks it in flight). */
  tryPop(): QueuedPodInfo | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    return this.take(q);
  }

  /** The next active pod, waiting for one; undefined once the queue is closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    const q = this.tryPop();
    if (q || this.closed) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The in-flight pod was scheduled (or dropped): it leaves the queue. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /** Whether the pod is still in flight (false once it was deleted meanwhile). */
  isInFlight(key: string): boolean {
    return this.inFlight.has(key);
  }

  /**
   * The in-flight pod fit no node. It waits for a cluster event, unless one
   * happened (or the pod changed) while it was being tried: then it only
   * backs off.
   */
  addUnschedulable(q: QueuedPodInfo): void {
    if (!this.inFlight.delete(q.key)) return;
    q.timestamp = this.clock.now();
    if (q.popMoveSeq !== this.moveSeq || q.updatedInFlight) {
      this.requeue(q);
      return;
    }
    this.unschedulable.set(q.key, q);
  }

  /** The in-flight pod failed for another reason (an error, a failed bind): retry after backoff. */
  addBackoff(q: QueuedPodInfo): void {
    if (!this.inFlight.delete(q.key)) return;
    q.timestamp = this.clock.now();
    this.backoff.push(q);
  }

  /**
   * A cluster event that may make unschedulable pods fit: each goes to
   * backoff if its backoff has not expired, else to active.
   */
  moveAllToActiveOrBackoff(_event: string): void {
    this.moveSeq++;
    if (this.unschedulable.size === 0) return;
    const parked = [...this.unschedulable.values()];
    this.unschedulable.clear();
    for (const q of parked) this.requeue(q);
  }

  /** Moves pods whose backoff expired to active, and pods unschedulable for too long to active or backoff. */
  flush(): void {
    const now = this.clock.now();
    for (let q = this.backoff.peek(); q && this.backoffExpiry(q) <= now; q = this.backoff.peek()) {
      this.backoff.pop();
      this.pushActive(q);
    }
    for (const q of [...this.unschedulable.values()]) {
      if (now - q.timestamp >= this.maxUnschedulableMs) {
        this.unschedulable.delete(q.key);
        this.requeue(q);
      }
    }
  }

  /** Flushes every `flushIntervalMs` until `signal` aborts; then wakes waiting `pop`s with undefined. */
  async run(signal: AbortSignal): Promise<void> {
    let timer: TimerHandle | undefined;
    const tick = (): void => {
      if (signal.aborted) return;
      this.flush();
      timer = this.clock.after(this.flushIntervalMs, tick);
    };
    timer = this.clock.after(this.flushIntervalMs, tick);
    await aborted(signal);
    timer?.cancel();
    this.close();
  }

  /** Ends waiting pops; later pops resolve undefined when nothing is active. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  lengths(): QueueLengths {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** Where the pod waits now (for tests and debugging). */
  whereIs(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  backoffDurationMs(attempts: number): number {
    if (attempts <= 1) return Math.min(this.initialBackoffMs, this.maxBackoffMs);
    return Math.min(this.initialBackoffMs * 2 ** Math.min(attempts - 1, 30), this.maxBackoffMs);
  }

  private backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDurationMs(q.attempts);
  }

  /** Replaces the stored object if the pod is queued or in flight; false when it is not known. */
  private refresh(key: string, pod: Pod): boolean {
    for (const heap of [this.active, this.backoff]) {
      const q = heap.get(key);
      if (q) {
        q.pod = pod;
        heap.push(q); // priority may have changed
        return true;
      }
    }
    const other = this.unschedulable.get(key) ?? this.inFlight.get(key);
    if (other) {
      other.pod = pod;
      return true;
    }
    return false;
  }

  private requeue(q: QueuedPodInfo): void {
    if (q.attempts > 0 && this.backoffExpiry(q) > this.clock.now()) this.backoff.push(q);
    else this.pushActive(q);
  }

  private pushActive(q: QueuedPodInfo): void {
    const w = this.waiters.shift();
    if (w) w(this.take(q));
    else this.active.push(q);
  }

  private take(q: QueuedPodInfo): QueuedPodInfo {
    q.attempts++;
    q.initialAttemptTimestamp ??= this.clock.now();
    q.popMoveSeq = this.moveSeq;
    q.updatedInFlight = false;
    this.inFlight.set(q.key, q);
    return q;
  }
}
