/** Probes: liveness, readiness and startup (see prober-manager.ts). */
export { ProberManager, type LivenessFailureListener, type ProbedContainer, type ProberManagerOptions } from './prober-manager.js';
export { ProbeWorker, type ProbeWorkerOptions } from './probe-worker.js';
export { ProbeResults, type CachedResult, type ProbeResult, type ProbeType, type ResultListener, type ResultUpdate } from './results.js';
export {
  MAX_OUTPUT,
  PROBE_DEFAULTS,
  execProbe,
  httpGetProbe,
  resolveProbePort,
  runProbe,
  tcpSocketProbe,
  timeoutSecondsOf,
  type HttpGetRequest,
  type ProbeAttempt,
  type ProbeAttemptResult,
  type ProbeTarget,
  type TcpSocketRequest,
} from './probe-runners.js';
