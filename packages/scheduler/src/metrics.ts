/**
 * The scheduler's Prometheus metrics, named as kube-scheduler names them:
 *
 * - `scheduler_schedule_attempts_total{result,profile}`: attempts by result
 *   (`scheduled`, `unschedulable`, `error`);
 * - `scheduler_e2e_scheduling_duration_seconds{result,profile}`: one attempt,
 *   from its start to the end of its bind (or its failure);
 * - `scheduler_scheduling_algorithm_duration_seconds`: filter + score only;
 * - `scheduler_pod_scheduling_duration_seconds`: from the pod's first attempt
 *   to its successful bind, across retries;
 * - `scheduler_pending_pods{queue}`: pods waiting in `active`, `backoff` and
 *   `unschedulable` at scrape time;
 * - `scheduler_pods_in_flight`: pods being scheduled or bound right now.
 *
 * Durations are given in milliseconds and exported in seconds.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueLengths } from './queue/scheduling-queue.js';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

// Kubernetes: exponential buckets from 1 ms, factor 2, 15 buckets (about 16 s).
const latencyBuckets = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

export class SchedulerMetrics {
  private readonly attempts: Counter<'result' | 'profile'>;
  private readonly e2e: Histogram<'result' | 'profile'>;
  private readonly algorithm: Histogram;
  private readonly podDuration: Histogram<'attempts'>;

  constructor(
    registry: Registry,
    private readonly profile: string,
    queueLengths: () => QueueLengths,
  ) {
    const registers = [registry];
    this.attempts = new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result',
      labelNames: ['result', 'profile'],
      registers,
    });
    this.e2e = new Histogram({
      name: 'scheduler_e2e_scheduling_duration_seconds',
      help: 'E2e scheduling latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: latencyBuckets,
      registers,
    });
    this.algorithm = new Histogram({
      name: 'scheduler_scheduling_algorithm_duration_seconds',
      help: 'Scheduling algorithm latency in seconds (filter and score)',
      buckets: latencyBuckets,
      registers,
    });
    this.podDuration = new Histogram({
      name: 'scheduler_pod_scheduling_duration_seconds',
      help: "E2e latency for a pod being scheduled, from the pod's first attempt to its bind, which may include multiple attempts",
      labelNames: ['attempts'],
      buckets: latencyBuckets,
      registers,
    });
    new Gauge({
      name: 'scheduler_pending_pods',
      help: 'Number of pending pods, by the queue type',
      labelNames: ['queue'],
      registers,
      collect() {
        const l = queueLengths();
        this.set({ queue: 'active' }, l.active);
        this.set({ queue: 'backoff' }, l.backoff);
        this.set({ queue: 'unschedulable' }, l.unschedulable);
      },
    });
    new Gauge({
      name: 'scheduler_pods_in_flight',
      help: 'Number of pods popped from the queue whose scheduling or binding has not finished',
      registers,
      collect() {
        this.set(queueLengths().inFlight);
      },
    });
  }

  attempt(result: AttemptResult, e2eMs: number): void {
    this.attempts.inc({ result, profile: this.profile });
    this.e2e.observe({ result, profile: this.profile }, e2eMs / 1000);
  }

  algorithmDuration(ms: number): void {
    this.algorithm.observe(ms / 1000);
  }

  podScheduled(attempts: number, sinceFirstAttemptMs: number): void {
    this.podDuration.observe({ attempts: attempts >= 16 ? '16+' : String(attempts) }, sinceFirstAttemptMs / 1000);
  }
}
