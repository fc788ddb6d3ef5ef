/**
 * The HorizontalPodAutoscaler controller: scales Deployments and ReplicaSets
 * through their `scale` subresource from the pods' CPU and memory usage
 * (metrics.k8s.io), with Kubernetes' algorithm, tolerance, stabilization
 * windows and scaling policies.
 *
 *   new HorizontalPodAutoscalerController({ client, factory, syncPeriodMs: 15_000 }).run(signal);
 */
export { DEFAULT_HPA_SYNC_PERIOD_MS, HPA_CONTROLLER_NAME, HorizontalPodAutoscalerController, type HpaControllerOptions } from './hpa-controller.js';
export { RestMetricsSource, parseGoDuration, podMetricsFromList, type ResourceMetricsSource } from './metrics-source.js';
export {
  DEFAULT_DOWNSCALE_STABILIZATION_MS,
  newMemory,
  normalizeReplicas,
  recordScaleEvent,
  scaleDownLimit,
  scaleUpLimit,
  type HpaMemory,
  type Normalized,
} from './normalize.js';
export {
  DEFAULT_CPU_INITIALIZATION_PERIOD_MS,
  DEFAULT_INITIAL_READINESS_DELAY_MS,
  DEFAULT_TOLERANCE,
  ReplicaCalcError,
  calcResourceReplicas,
  groupPods,
  podRequests,
  type PodMetric,
  type PodMetrics,
  type ReplicaProposal,
} from './replica-calculator.js';
