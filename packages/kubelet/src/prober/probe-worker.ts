/**
 * One probe of one container instance, run periodically (Kubernetes'
 * pkg/kubelet/prober/worker.go). A worker lives exactly as long as its
 * container ID: the manager replaces it when the container is replaced.
 *
 * Timing: the first attempt runs initialDelaySeconds after the container
 * started (at once if that is past), then one attempt every periodSeconds
 * (ticks missed while a slow attempt ran are dropped, like a Go ticker).
 *
 * Verdicts: `successThreshold` consecutive successes or `failureThreshold`
 * consecutive failures change the cached result; 'unknown' attempts (the
 * kubelet could not ask) are ignored. A liveness or startup probe that
 * reaches its failure threshold reports it once and then goes on hold: the
 * container is about to be killed and only a new container ID (a new
 * worker) probes again. A startup probe stops once it has succeeded.
 */
import type { Logger } from '@mk8s/client';
import type { Container, Probe } from '@mk8s/api';
import type { Clock, TimerHandle } from '@mk8s/client';
import type { CriRuntime } from '@mk8s/cri';
import { PROBE_DEFAULTS, runProbe, type ProbeAttempt } from './probe-runners.js';
import type { ProbeResult, ProbeResults, ProbeType } from './results.js';

export interface ProbeWorkerOptions {
  type: ProbeType;
  podUid: string;
  container: Container;
  probe: Probe;
  containerId: string;
  /** When the container started, ms since the epoch. */
  startedAt: number;
  /** Read at every attempt: the pod IP may arrive after the worker starts. */
  podIP: () => string | undefined;
  runtime: CriRuntime;
  clock: Clock;
  results: ProbeResults;
  /** Whether liveness/readiness may run yet (the startup probe has succeeded). Ignored for startup workers. */
  started: () => boolean;
  /** Liveness/startup only: the failure threshold was reached. Called at most once per worker. */
  onFailureThreshold?: (message: string) => void;
  log?: Logger;
}

export class ProbeWorker {
  readonly type: ProbeType;
  readonly containerId: string;
  private readonly o: ProbeWorkerOptions;
  private readonly periodMs: number;
  private readonly firstAt: number;
  private readonly successThreshold: number;
  private readonly failureThreshold: number;
  private timer: TimerHandle | undefined;
  private nextAt = 0;
  private running = false;
  private stopped = true;
  private onHold = false;
  private lastResult: ProbeResult | undefined;
  private resultRun = 0;
  private attempts = 0;

  constructor(opts: ProbeWorkerOptions) {
    this.o = opts;
    this.type = opts.type;
    this.containerId = opts.containerId;
    const p = opts.probe;
    this.periodMs = positive(p.periodSeconds, PROBE_DEFAULTS.periodSeconds) * 1000;
    this.successThreshold = positive(p.successThreshold, PROBE_DEFAULTS.successThreshold);
    this.failureThreshold = positive(p.failureThreshold, PROBE_DEFAULTS.failureThreshold);
    this.firstAt = opts.startedAt + Math.max(0, p.initialDelaySeconds ?? 0) * 1000;
  }

  /**
   * Seeds the cached result the way Kubernetes does for a new container
   * (readiness: failure until proven; liveness: success until proven;
   * startup: no verdict, i.e. not started) and schedules the first attempt.
   */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.type === 'readiness') this.setResult('failure');
    else if (this.type === 'liveness') this.setResult('success');
    this.schedule(Math.max(this.o.clock.now(), this.firstAt));
  }

  /** Stops probing; an attempt in flight is discarded when it returns. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /**
   * Runs an attempt now instead of at the next tick (used when the startup
   * probe succeeds, so readiness need not wait a whole period). No effect
   * while an attempt runs, before the initial delay, or when on hold.
   */
  trigger(): void {
    if (this.stopped || this.running || this.onHold) return;
    if (this.o.clock.now() < this.firstAt) return;
    this.timer?.cancel();
    this.nextAt = this.o.clock.now();
    void this.tick();
  }

  /** Attempts that ran to a verdict or an 'unknown' (for tests and metrics). */
  get attemptCount(): number {
    return this.attempts;
  }

  private schedule(at: number): void {
    this.nextAt = at;
    this.timer = this.o.clock.after(at - this.o.clock.now(), () => void this.tick());
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || this.onHold) return;
    const tickAt = this.nextAt;
    this.running = true;
    let keepGoing = true;
    try {
      keepGoing = await this.probeOnce();
    } catch (err) {
      this.o.log?.warn({ err, podUid: this.o.podUid, container: this.o.container.name, probe: this.type }, 'probe worker error');
    } finally {
      this.running = false;
    }
    if (this.stopped || this.onHold || !keepGoing) return;
    let next = tickAt + this.periodMs;
    const now = this.o.clock.now();
    while (next < now) next += this.periodMs;
    this.schedule(next);
  }

  /** One tick of Kubernetes' doProbe; false when the worker has nothing more to do. */
  private async probeOnce(): Promise<boolean> {
    if (this.type !== 'startup' && !this.o.started()) return true;
    const attempt: ProbeAttempt = await runProbe(this.o.probe, {
      runtime: this.o.runtime,
      clock: this.o.clock,
      containerId: this.o.containerId,
      container: this.o.container,
      podIP: this.o.podIP(),
    });
    if (this.stopped) return false;
    this.attempts++;
    const fields = { podUid: this.o.podUid, container: this.o.container.name, probe: this.type, output: attempt.output };
    if (attempt.result === 'unknown') {
      this.o.log?.warn(fields, 'probe errored; result ignored');
      return true;
    }
    if (attempt.result === 'failure') this.o.log?.debug(fields, 'probe failed');

    if (this.lastResult === attempt.result) this.resultRun++;
    else {
      this.lastResult = attempt.result;
      this.resultRun = 1;
    }
    const threshold = attempt.result === 'success' ? this.successThreshold : this.failureThreshold;
    if (this.resultRun < threshold) return true;

    this.setResult(attempt.result);
    if (attempt.result === 'success') return this.type !== 'startup';
    if (this.type === 'liveness' || this.type === 'startup') {
      this.onHold = true;
      this.resultRun = 0;
      const what = this.type === 'liveness' ? 'Liveness' : 'Startup';
      this.o.onFailureThreshold?.(`${what} probe failed: ${attempt.output}`);
      return false;
    }
    return true;
  }

  /** A throwing change listener is logged; it must not stop the worker. */
  private setResult(result: ProbeResult): void {
    const where = { podUid: this.o.podUid, containerName: this.o.container.name, containerId: this.o.containerId };
    try {
      this.o.results.set({ ...where, type: this.type, result });
    } catch (err) {
      this.o.log?.warn({ err, ...where, probe: this.type }, 'probe result listener failed');
    }
  }
}

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && v > 0 ? v : dflt;
}
