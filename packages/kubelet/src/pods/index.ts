/**
 * The kubelet's pod lifecycle (sync, restart policy and backoff, PLEG,
 * status, termination, adoption, orphan cleanup). `PodLifecycle` is the one
 * entry point the Kubelet wires; the parts are exported for tests and for
 * the prober/HTTP server that need runtime views of pods.
 *
 * @example
 * ```ts
 * const pods = new PodLifecycle({ client, runtime, nodeName, rootDir, readiness: prober.isReady });
 * informer.addEventHandler({ onAdd: (p) => pods.handlePodAdd(p), onUpdate: (_o, p) => pods.handlePodUpdate(p), onDelete: (p) => pods.handlePodDelete(deletedObject(p)) });
 * await pods.run(signal);
 * ```
 */
export { PodLifecycle, type PodLifecycleOptions } from './pod-lifecycle.js';
export { PodWorkers, type PodSyncFn, type PodWorkersOptions } from './pod-workers.js';
export { PodSyncer, isTerminalPhase, podFinished, sameImage, type PodSyncerOptions, type SyncResult } from './sync-pod.js';
export { Pleg, type ExternalRuntimeEvent, type PlegOptions, type PodLifecycleEvent, type PodLifecycleEventType, type RelistResult } from './pleg.js';
export { generatePodStatus, podPhase, type ReadinessFn, type StatusInputs, type WaitingReason } from './status.js';
export { StatusManager, canonicalStatus, type StatusManagerOptions } from './status-manager.js';
export { confirmDeletion, killPod, removePod, terminationGraceSeconds } from './termination.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { getRuntimePodStatus, containersNamed, readySandbox, type RuntimeContainer, type RuntimePodStatus } from './runtime-pod.js';
export { ImageError, ensureImage, pullPolicyOf } from './images.js';
export { ContainerConfigError, buildEnv, expandVars, fieldValue, type EnvContext } from './env.js';
export * from './labels.js';
export { silentLogger, type PodLogger } from './logger.js';
export { criContainerEvents, type CriContainerEventsOptions } from './runtime-events.js';
