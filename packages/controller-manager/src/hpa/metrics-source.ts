/**
 * Where the HPA controller gets pod metrics: the resource metrics API
 * (`metrics.k8s.io/v1beta1` PodMetrics) through the API server, like
 * Kubernetes' REST metrics client. A pod's value is the sum over its
 * containers, in milli-units (millicores, milli-bytes); a pod with a
 * container that lacks the resource is left out.
 */
import { parseQuantity } from '@mk8s/api';
import type { Clientset } from '@mk8s/client';
import type { PodMetrics } from './replica-calculator.js';

export interface ResourceMetricsSource {
  /** Metrics of the pods in `namespace` matching the label selector (string form). */
  podMetrics(namespace: string, resource: string, selector: string): Promise<PodMetrics>;
}

interface PodMetricsItem {
  metadata?: { name?: string };
  timestamp?: string;
  window?: string;
  containers?: Array<{ name: string; usage?: Record<string, string> }>;
}

/** "10s", "1.5s", "2m0s", "500ms" -> ms (Go duration strings). */
export function parseGoDuration(s: string | undefined): number {
  if (!s) return 0;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : unit === 'ms' ? n : unit === 'ns' ? n / 1e6 : n / 1000;
  }
  return total;
}

export class RestMetricsSource implements ResourceMetricsSource {
  constructor(private readonly client: Clientset) {}

  async podMetrics(namespace: string, resource: string, selector: string): Promise<PodMetrics> {
    const list = await this.client.transport.request<{ items?: PodMetricsItem[] }>({
      method: 'GET',
      path: `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`,
      query: { labelSelector: selector || undefined },
    });
    return podMetricsFromList(list.items ?? [], resource);
  }
}

export function podMetricsFromList(items: readonly PodMetricsItem[], resource: string): PodMetrics {
  const out: PodMetrics = new Map();
  for (const item of items) {
    const name = item.metadata?.name;
    if (!name || !item.containers || item.containers.length === 0) continue;
    let total = 0;
    let complete = true;
    for (const c of item.containers) {
      const v = c.usage?.[resource];
      if (v === undefined) {
        complete = false;
        break;
      }
      try {
        total += parseQuantity(v).milliValue();
      } catch {
        complete = false;
        break;
      }
    }
    if (!complete) continue;
    out.set(name, { value: total, timestampMs: item.timestamp ? Date.parse(item.timestamp) : 0, windowMs: parseGoDuration(item.window) });
  }
  return out;
}
