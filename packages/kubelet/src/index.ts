/**
 * @mk8s/kubelet: the node agent. It registers its Node and keeps its Lease
 * fresh, runs the pods bound to it through the CRI, probes them, reports
 * their status, and serves their logs and stats to the API server.
 *
 * `Kubelet` wires the pieces around one CRI runtime and one API client:
 * - pods/: pod workers, pod sync through the CRI, PLEG, status, termination
 *   (`PodLifecycle`);
 * - node/: registration, Node status, the node Lease (`NodeAgent`);
 * - server/: the kubelet HTTP server (`/healthz`, `/metrics`,
 *   `/containerLogs/...`, `/stats/summary`);
 * - prober/: liveness, readiness and startup probes (`ProberManager`).
 */
export * from './node/node-config.js';
export * from './node/node-conditions.js';
export * from './node/runtime-readiness.js';
export * from './node/node-registration.js';
export * from './node/node-status.js';
export * from './node/node-lease.js';
export * from './node/node-agent.js';
export * from './server/index.js';
export * from './prober/index.js';
export * from './pods/index.js';
export { Kubelet, type KubeletOptions } from './kubelet.js';
export { ApiEventRecorder, containerFieldPath, noopRecorder, type EventRecorder, type EventType } from './events/recorder.js';
