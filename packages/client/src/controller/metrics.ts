/**
 * Per-controller sync metrics. Controllers sharing a Registry share the
 * collectors, told apart by the `name` label.
 */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export interface ControllerMetricsRecorder {
  /** One sync finished (either way) after `ms` milliseconds. */
  synced(ms: number): void;
  /** One sync failed. */
  failed(): void;
}

export const noopControllerMetrics: ControllerMetricsRecorder = { synced: () => {}, failed: () => {} };

interface Collectors {
  duration: Histogram<'name'>;
  errors: Counter<'name'>;
}

const byRegistry = new WeakMap<Registry, Collectors>();

function collectors(registry: Registry): Collectors {
  const cached = byRegistry.get(registry);
  if (cached) return cached;
  const registers = [registry];
  const labelNames = ['name'] as const;
  const duration = registry.getSingleMetric('controller_sync_duration_seconds');
  const errors = registry.getSingleMetric('controller_sync_errors_total');
  if ((duration && !(duration instanceof Histogram)) || (errors && !(errors instanceof Counter))) {
    throw new Error('controller metrics are already registered with other types');
  }
  const c: Collectors = {
    duration:
      (duration as Histogram<'name'> | undefined) ??
      new Histogram({
        name: 'controller_sync_duration_seconds',
        help: 'How long one sync of a key took, in seconds',
        labelNames,
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
    errors:
      (errors as Counter<'name'> | undefined) ??
      new Counter({ name: 'controller_sync_errors_total', help: 'Syncs that failed (threw or rejected)', labelNames, registers }),
  };
  byRegistry.set(registry, c);
  return c;
}

export function controllerMetrics(registry: Registry, name: string): ControllerMetricsRecorder {
  const c = collectors(registry);
  const labels = { name };
  c.errors.inc(labels, 0);
  return {
    synced: (ms) => c.duration.observe(labels, ms / 1000),
    failed: () => c.errors.inc(labels),
  };
}
