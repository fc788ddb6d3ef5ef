/**
 * The kubelet's pod lifecycle (sync, restart policy and backoff, PLEG,
 * status, termination, adoption, orphan cleanup). `PodLifecycle` is the one
 * entry point the Kubelet wires, and `dispatch` its one input; the parts are
 * exported for tests and for the prober/HTTP server that need runtime views
 * of pods. `computePodActions` is the pure planner of one pod sync.
 *
 * @example
 * ```ts
 * const pods = new PodLifecycle({ client, runtime, nodeName, rootDir, prober });
 * informer.addEventHandler({
 *   onAdd: (pod) => pods.dispatch({ type: 'add', pod }),
 *   onUpdate: (_old, pod) => pods.dispatch({ type: 'update', pod }),
 *   onDelete: (obj) => pods.dispatch({ type: 'delete', pod: deletedObject(obj) }),
 * });
 * await pods.run(signal);
 * ```
 */
export { PodLifecycle, type PodInput, type PodLifecycleOptions, type PodProber } from './pod-lifecycle.js';
export { PodWorkers, type PodSyncFn, type PodTerminationFn, type PodWorkerState, type PodWorkersOptions } from './pod-workers.js';
export { PodSyncer, type PodSyncerOptions, type SyncResult } from './sync-pod.js';
export {
  computePodActions,
  isTerminalPhase,
  podFinished,
  restartBackoffKey,
  sameImage,
  type ContainerInBackoff,
  type ContainerKind,
  type ContainerToKill,
  type ContainerToStart,
  type FailedProbe,
  type KillReason,
  type PodActions,
  type PodActionsOptions,
  type StartReason,
} from './pod-actions.js';
export { Pleg, type ExternalRuntimeEvent, type PlegOptions, type PodLifecycleEvent, type PodLifecycleEventType, type RelistResult } from './pleg.js';
export { generatePodStatus, podPhase, type ReadinessFn, type StatusInputs, type WaitingReason } from './status.js';
export { StatusManager, canonicalStatus, type StatusManagerOptions } from './status-manager.js';
export { confirmDeletion, killContainer, killPod, removePod, terminationGraceSeconds, type ContainerKill, type ContainerKiller } from './termination.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { getRuntimePodStatus, containersNamed, readySandbox, type RuntimeContainer, type RuntimePodStatus } from './runtime-pod.js';
export { ImageError, ensureImage, pullPolicyOf } from './images.js';
export { ContainerConfigError, buildEnv, expandVars, fieldValue, type EnvContext } from './env.js';
export * from './labels.js';
export { criContainerEvents, type CriContainerEventsOptions } from './runtime-events.js';
