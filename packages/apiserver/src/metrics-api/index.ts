/**
 * The built-in metrics pipeline: a scraper of the kubelets' `/stats/summary`
 * (every `--metrics-resolution`), a store of the newest samples, and the
 * read-only `metrics.k8s.io/v1beta1` API over it (what `kubectl top` and the
 * HPA controller read). Wired into the app by `buildApiServer`.
 */
export { MetricsApi, METRICS_GROUP, METRICS_GROUP_VERSION, METRICS_VERSION, isMetricsPath, metricsApiGroup, metricsResourceList } from './metrics-handler.js';
export { MetricsStore, type ContainerUsage, type NodeScrape, type PodUsage, type Usage } from './metrics-store.js';
export { MetricsScraper, kubeletUrl, type ScraperOptions } from './scraper.js';
export { cpuQuantity, goDuration, memoryQuantity } from './quantities.js';
export type { Summary } from './summary.js';

/** Default `--metrics-resolution`: 10 s, for a quicker HPA (metrics-server's default is 15 s; docs/autoscaling.md). */
export const DEFAULT_METRICS_RESOLUTION_MS = 10_000;
