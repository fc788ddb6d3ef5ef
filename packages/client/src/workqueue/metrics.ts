/**
 * Prometheus metrics for workqueues, named as client-go names them so the
 * same dashboards work. All queues that share a Registry share one set of
 * collectors, told apart by the `name` label.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** What a queue reports; durations in milliseconds (converted to seconds on export). */
export interface WorkQueueMetricsRecorder {
  /** A key became pending (deduplicated adds are not counted). */
  added(): void;
  /** The number of pending keys changed. */
  depth(n: number): void;
  /** A key was handed to a worker after waiting `ms` since it became pending. */
  started(waitedMs: number): void;
  /** A worker called done after holding the key for `ms`. */
  finished(workedMs: number): void;
  /** A delayed or rate-limited add was requested. */
  retried(): void;
}

export const noopWorkQueueMetrics: WorkQueueMetricsRecorder = {
  added: () => {},
  depth: () => {},
  started: () => {},
  finished: () => {},
  retried: () => {},
};

// client-go uses exponential buckets from 10ns by a factor of 10.
const durationBuckets = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

interface Collectors {
  depth: Gauge<'name'>;
  adds: Counter<'name'>;
  queueDuration: Histogram<'name'>;
  workDuration: Histogram<'name'>;
  retries: Counter<'name'>;
}

const byRegistry = new WeakMap<Registry, Collectors>();

function reuse<M>(registry: Registry, name: string, kind: abstract new (...args: never[]) => M, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof kind) return existing;
  throw new Error(`metric ${name} is already registered with another type`);
}

function collectors(registry: Registry): Collectors {
  let c = byRegistry.get(registry);
  if (c) return c;
  const registers = [registry];
  const labelNames = ['name'] as const;
  c = {
    depth: reuse(
      registry,
      'workqueue_depth',
      Gauge<'name'>,
      () => new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames, registers }),
    ),
    adds: reuse(
      registry,
      'workqueue_adds_total',
      Counter<'name'>,
      () => new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames, registers }),
    ),
    queueDuration: reuse(
      registry,
      'workqueue_queue_duration_seconds',
      Histogram<'name'>,
      () =>
        new Histogram({
          name: 'workqueue_queue_duration_seconds',
          help: 'How long in seconds an item stays in workqueue before being requested',
          labelNames,
          buckets: durationBuckets,
          registers,
        }),
    ),
    workDuration: reuse(
      registry,
      'workqueue_work_duration_seconds',
      Histogram<'name'>,
      () =>
        new Histogram({
          name: 'workqueue_work_duration_seconds',
          help: 'How long in seconds processing an item from workqueue takes',
          labelNames,
          buckets: durationBuckets,
          registers,
        }),
    ),
    retries: reuse(
      registry,
      'workqueue_retries_total',
      Counter<'name'>,
      () => new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames, registers }),
    ),
  };
  byRegistry.set(registry, c);
  return c;
}

/** A recorder for the queue called `name`; idempotent per (registry, name). */
export function workqueueMetrics(registry: Registry, name: string): WorkQueueMetricsRecorder {
  const c = collectors(registry);
  const labels = { name };
  // Export the series from the start, as client-go does, so dashboards see zeros.
  c.depth.set(labels, 0);
  c.adds.inc(labels, 0);
  c.retries.inc(labels, 0);
  return {
    added: () => c.adds.inc(labels),
    depth: (n) => c.depth.set(labels, n),
    started: (ms) => c.queueDuration.observe(labels, ms / 1000),
    finished: (ms) => c.workDuration.observe(labels, ms / 1000),
    retried: () => c.retries.inc(labels),
  };
}
