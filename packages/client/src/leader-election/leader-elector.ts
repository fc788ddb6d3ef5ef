/**
 * Leader election over a Lease, so that several replicas of a component
 * (schedulers, controller-managers) can run and exactly one acts at a time.
 *
 * Time: an elector never compares the timestamps in the record with its own
 * clock, since they were written by other machines. It only notices when the
 * record *changes*, and notes on its own clock when it saw that. A lease held
 * by someone else counts as expired once the record has stayed the same for
 * `leaseDurationMs` of locally observed time. Clock skew between machines
 * therefore does not matter; only a difference in clock *rate* does, and
 * `leaseDurationMs > renewDeadlineMs` is the margin for it.
 *
 * Safety: the leader stops leading (aborts the signal given to
 * `onStartedLeading`) no later than `renewDeadlineMs` after it started its
 * last successful renewal. Every other candidate saw that renewal only after
 * it was written, so it waits at least `leaseDurationMs` after that before
 * taking over. Every write is compare-and-swap on the Lease's
 * resourceVersion, so when candidates race, exactly one write wins. Like
 * client-go, this is not fencing: a leader paused for longer than the margin
 * (a stopped process, a stalled event loop) can still act late.
 */
import { microTime } from '@mk8s/api';
import { realClock, type Clock, type TimerHandle } from '../clock.js';
import { isConflict, isNotFound } from '../errors.js';
import { LeaseLock, sameRecord, type LeaderElectionRecord, type LeaseLockConfig } from './lease-lock.js';

/** Waits between acquire tries are `retryPeriodMs * (1 + random * JITTER_FACTOR)`. */
export const JITTER_FACTOR = 1.2;
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

export interface LeaderCallbacks {
  /**
   * Called once this candidate becomes leader. Do the guarded work here, and
   * stop it when `signal` aborts: that is when leadership ends (lost, or
   * `run`'s signal aborted). If the returned promise rejects while still
   * leading, the elector stops leading and `run` rejects with that error.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /**
   * Called once after leading ends, after the leading signal has aborted and
   * before the lock is released (with `releaseOnCancel`), so it always runs
   * before another candidate can start leading through a release. Not called
   * if this candidate never led.
   */
  onStoppedLeading(): void;
  /** Called when a holder other than the last one reported is observed, this candidate included. Never called with ''. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions {
  lock: LeaseLockConfig;
  /** How long others wait without seeing the record change before taking over. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leading. Default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between tries, to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  clock?: Clock;
  /**
   * When leading ends (or campaigning is cancelled), write an empty holder if
   * this candidate still holds the lock, so another takes over at once
   * instead of waiting out the lease. On cancel the elector first waits for
   * `onStartedLeading`'s promise to settle (at most until its renew
   * deadline), so work that stops on the signal has stopped before anyone
   * else starts. The release is best effort: if it fails, others wait.
   */
  releaseOnCancel?: boolean;
  callbacks: LeaderCallbacks;
  /** Failed lock calls and callback errors, for logging; the elector itself just retries. */
  onError?: (err: unknown) => void;
  /** Source of jitter, uniform in [0, 1). Default Math.random. */
  random?: () => number;
}

/** Why `run` returned: its signal aborted, or leadership was lost (renewal failed, or another holder was seen). */
export type LeaderElectionEnd = 'cancelled' | 'lost';

const ABORTED = Symbol('aborted');

type StopCause = { kind: 'cancelled' } | { kind: 'lost'; reason: string } | { kind: 'failed'; error: unknown };

export class LeaderElector {
  private readonly lock: LeaseLock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly releaseOnCancel: boolean;
  private readonly callbacks: LeaderCallbacks;
  private readonly onError: (err: unknown) => void;
  private readonly random: () => number;

  /** The record as last read or written, and when (local clock) it was last seen to change. */
  private observed: LeaderElectionRecord | undefined;
  private observedAt = 0;
  private reportedLeader = '';
  private leading = false;
  private running = false;
  /** Start time of the last successful acquire or renewal: the renew deadline counts from here. */
  private lastRenewStart = 0;
  /** Lock calls run one at a time, each on the Lease the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Throws when the options break the invariants that make the election safe (see the module comment). */
  constructor(options: LeaderElectorOptions) {
    const leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    const renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    const retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    for (const [name, value] of [
      ['leaseDurationMs', leaseDurationMs],
      ['renewDeadlineMs', renewDeadlineMs],
      ['retryPeriodMs', retryPeriodMs],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`leader election: ${name} must be greater than zero, got ${value}`);
    }
    if (leaseDurationMs <= renewDeadlineMs) {
      throw new Error(`leader election: leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs})`);
    }
    if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs) {
      throw new Error(
        `leader election: renewDeadlineMs (${renewDeadlineMs}) must be greater than retryPeriodMs * ${JITTER_FACTOR} (${JITTER_FACTOR * retryPeriodMs})`,
      );
    }
    const { lock, callbacks } = options;
    if (!lock?.client) throw new Error('leader election: lock.client is required');
    if (!lock.identity) throw new Error('leader election: lock.identity must not be empty');
    if (!lock.namespace || !lock.name) throw new Error('leader election: lock.namespace and lock.name must not be empty');
    if (typeof callbacks?.onStartedLeading !== 'function') throw new Error('leader election: callbacks.onStartedLeading is required');
    if (typeof callbacks.onStoppedLeading !== 'function') throw new Error('leader election: callbacks.onStoppedLeading is required');

    this.lock = new LeaseLock(lock);
    this.leaseDurationMs = leaseDurationMs;
    this.renewDeadlineMs = renewDeadlineMs;
    this.retryPeriodMs = retryPeriodMs;
    this.clock = options.clock ?? realClock;
    this.releaseOnCancel = options.releaseOnCancel ?? false;
    this.callbacks = callbacks;
    this.onError = options.onError ?? (() => {});
    this.random = options.random ?? Math.random;
  }

  /** True while this candidate leads: from just before `onStartedLeading` until its signal aborts. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder in the last observed record; '' before any was observed or after a release. */
  getLeader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  /**
   * Campaigns until this candidate leads, then leads until `signal` aborts or
   * leadership is lost. Resolves with why it ended; rejects only with an
   * error from `onStartedLeading` or `onStoppedLeading`. One `run` at a time;
   * a component normally exits when it returns. Lock calls are not
   * cancellable, so the LeaseClient should time out its own requests.
   */
  async run(signal: AbortSignal): Promise<LeaderElectionEnd> {
    if (this.running) throw new Error('leader election: run is already in progress');
    this.running = true;
    try {
      if (!(await this.acquire(signal)) || signal.aborted) {
        // Cancelled while campaigning. A try still in flight may yet win the
        // lock; release() waits for it, so others are not left waiting.
        if (this.releaseOnCancel) await this.release();
        return 'cancelled';
      }
      return await this.lead(signal);
    } finally {
      this.running = false;
    }
  }

  /** Tries at once, then after each jittered retry period; true once acquired, false when `signal` aborts first. */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      const start = this.clock.now();
      const ok = await raceAbort(
        this.serialize(() => this.tryAcquireOrRenew()),
        signal,
      );
      if (ok === ABORTED) return false;
      this.maybeReportTransition();
      if (ok) {
        this.lastRenewStart = start;
        return true;
      }
      try {
        await this.clock.sleep(this.retryPeriodMs * (1 + this.random() * JITTER_FACTOR), signal);
      } catch {
        return false;
      }
    }
  }

  private async lead(signal: AbortSignal): Promise<LeaderElectionEnd> {
    const stop = new AbortController();
    let cause: StopCause | undefined;
    const stopWith = (c: StopCause): void => {
      if (stop.signal.aborted) return;
      cause = c;
      stop.abort(
        c.kind === 'cancelled' ? signal.reason : c.kind === 'lost' ? new Error(`leader election: lost ${this.lock.describe()}: ${c.reason}`) : c.error,
      );
    };
    const onAbort = (): void => stopWith({ kind: 'cancelled' });
    signal.addEventListener('abort', onAbort, { once: true });

    let deadline: TimerHandle | undefined;
    const armDeadline = (): void => {
      deadline?.cancel();
      const ms = Math.max(0, this.lastRenewStart + this.renewDeadlineMs - this.clock.now());
      deadline = this.clock.after(ms, () => stopWith({ kind: 'lost', reason: `not renewed within ${this.renewDeadlineMs} ms` }));
    };
    armDeadline();

    this.leading = true;
    const work = this.startWork(stop.signal, (error) => stopWith({ kind: 'failed', error }));
    try {
      while (!stop.signal.aborted) {
        try {
          await this.clock.sleep(this.retryPeriodMs, stop.signal);
        } catch {
          break;
        }
        const start = this.clock.now();
        const ok = await raceAbort(
          this.serialize(() => this.tryAcquireOrRenew()),
          stop.signal,
        );
        if (ok === ABORTED) break;
        this.maybeReportTransition();
        if (ok) {
          this.lastRenewStart = start;
          armDeadline();
        } else if (this.getLeader() !== this.lock.identity) {
          stopWith({ kind: 'lost', reason: `now held by ${JSON.stringify(this.getLeader())}` });
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      deadline?.cancel();
      this.leading = false;
    }

    const ended = cause ?? { kind: 'lost', reason: 'stopped' };
    if (ended.kind === 'cancelled' && this.releaseOnCancel) {
      await this.within(work, this.lastRenewStart + this.renewDeadlineMs - this.clock.now());
    }
    let stoppedError: { error: unknown } | undefined;
    try {
      this.callbacks.onStoppedLeading();
    } catch (error) {
      stoppedError = { error };
    }
    if (this.releaseOnCancel) await this.release();
    if (ended.kind === 'failed') throw ended.error;
    if (stoppedError) throw stoppedError.error;
    return ended.kind;
  }

  /** Runs onStartedLeading; the returned promise never rejects. `fail` hears of a rejection while still leading. */
  private startWork(signal: AbortSignal, fail: (err: unknown) => void): Promise<void> {
    let result: Promise<void>;
    try {
      result = Promise.resolve(this.callbacks.onStartedLeading(signal));
    } catch (err) {
      result = Promise.reject(err);
    }
    return result.then(
      () => undefined,
      (err: unknown) => {
        if (!signal.aborted) fail(err);
        else if (err !== signal.reason) this.onError(err);
      },
    );
  }

  /**
   * One attempt to take or keep the lock; never rejects. Acquires when the
   * Lease is absent, released, ours, or unchanged for leaseDurationMs as
   * observed here.
   */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const id = this.lock.identity;
    const now = this.clock.now();
    const stamp = microTime(now);
    const desired: LeaderElectionRecord = {
      holderIdentity: id,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    };

    // Fast path for a leader: write over the Lease it last wrote, with no read first.
    if (this.leading && this.observed?.holderIdentity === id && this.observedAt + this.leaseDurationMs > now) {
      try {
        this.observe(await this.lock.update(keepTenure(desired, this.observed)));
        return true;
      } catch (err) {
        this.onError(err);
      }
    }

    let current: LeaderElectionRecord;
    try {
      current = await this.lock.get();
    } catch (err) {
      if (!isNotFound(err)) {
        this.onError(err);
        return false;
      }
      try {
        this.observe(await this.lock.create(desired));
        return true;
      } catch (createErr) {
        // AlreadyExists: another candidate created it first; the next try reads it.
        this.onError(createErr);
        return false;
      }
    }

    if (!sameRecord(current, this.observed)) {
      this.observed = current;
      this.observedAt = this.clock.now();
    }
    const holder = current.holderIdentity;
    if (holder !== '' && holder !== id && this.observedAt + this.leaseDurationMs > now) return false;

    const next = holder === id ? keepTenure(desired, current) : { ...desired, leaseTransitions: current.leaseTransitions + 1 };
    try {
      this.observe(await this.lock.update(next));
      return true;
    } catch (err) {
      this.onError(err);
      return false;
    }
  }

  /**
   * Writes an empty holder if this candidate still holds the lock, retrying
   * once more after a conflict with its own late renewal. Best effort, bounded
   * by renewDeadlineMs: on failure others simply wait out the lease.
   */
  private async release(): Promise<void> {
    const timeout = new AbortController();
    const timer = this.clock.after(this.renewDeadlineMs, () => timeout.abort());
    try {
      await raceAbort(
        this.serialize(() => this.releaseOnce()),
        timeout.signal,
      );
    } finally {
      timer.cancel();
    }
    this.maybeReportTransition();
  }

  private async releaseOnce(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const observed = this.observed;
      if (observed?.holderIdentity !== this.lock.identity) return;
      const stamp = microTime(this.clock.now());
      try {
        this.observe(
          await this.lock.update({
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: stamp,
            renewTime: stamp,
            leaseTransitions: observed.leaseTransitions,
          }),
        );
        return;
      } catch (err) {
        this.onError(err);
        if (!isConflict(err)) return;
      }
      try {
        const current = await this.lock.get();
        if (!sameRecord(current, this.observed)) {
          this.observed = current;
          this.observedAt = this.clock.now();
        }
      } catch (err) {
        this.onError(err);
        return;
      }
    }
  }

  private observe(record: LeaderElectionRecord): void {
    this.observed = record;
    this.observedAt = this.clock.now();
  }

  private maybeReportTransition(): void {
    const holder = this.getLeader();
    if (holder === '' || holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    try {
      this.callbacks.onNewLeader?.(holder);
    } catch (err) {
      this.onError(err);
    }
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Waits for `p` to settle, but no longer than `ms` on the elector's clock. */
  private async within(p: Promise<unknown>, ms: number): Promise<void> {
    if (ms <= 0) return;
    const timeout = new AbortController();
    const timer = this.clock.after(ms, () => timeout.abort());
    try {
      await raceAbort(p, timeout.signal);
    } finally {
      timer.cancel();
    }
  }
}

/** A renewal by the current holder keeps when it acquired and how many transitions there were. */
function keepTenure(desired: LeaderElectionRecord, held: LeaderElectionRecord): LeaderElectionRecord {
  const next: LeaderElectionRecord = { ...desired, leaseTransitions: held.leaseTransitions };
  if (held.acquireTime !== undefined) next.acquireTime = held.acquireTime;
  return next;
}

/** Settles like `p`, or with ABORTED as soon as `signal` aborts; `p` keeps running either way. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
