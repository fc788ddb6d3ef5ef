/**
 * Prometheus metrics of one API server, in its own registry (so several
 * servers in one test process do not collide), with Kubernetes' metric names.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<'verb' | 'resource' | 'subresource' | 'code'>;
  latency: Histogram<'verb' | 'resource' | 'subresource'>;
  watchers: Gauge<'resource'>;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total',
      help: 'Requests by verb, resource, subresource and HTTP code.',
      labelNames: ['verb', 'resource', 'subresource', 'code'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Request latency by verb, resource and subresource (watches excluded).',
      labelNames: ['verb', 'resource', 'subresource'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    watchers: new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Open watches by resource.',
      labelNames: ['resource'],
      registers: [registry],
    }),
  };
}
