/**
 * @mk8s/client: how components talk to the API server (client-go's role):
 * a typed REST client, informers (reflector + indexer + lister), a workqueue
 * and controller runner, and leader election on Leases.
 *
 * @example
 * ```ts
 * import { Clientset, SharedInformerFactory, createController, listerWatchersFor, objectKey } from '@mk8s/client';
 * const client = await Clientset.fromKubeconfig('.mk8s/kubeconfig');
 * const factory = new SharedInformerFactory(listerWatchersFor(client));
 * const pods = factory.informerFor('pods');
 * const controller = createController({ name: 'demo', informers: [pods], sync: async (key) => console.log('sync', key) });
 * pods.addEventHandler({ onAdd: (p) => controller.enqueue(objectKey(p)) });
 * factory.start(signal);
 * await controller.run(signal);
 * ```
 */
export * from './types.js';
export { FakeClock, realClock, type Clock, type TimerHandle } from './clock.js';
export { aborted, every, type EveryOptions } from './wait.js';
export * from './errors.js';

export {
  DEFAULT_BURST,
  DEFAULT_QPS,
  KubeconfigError,
  SERVERS_EXTENSION,
  loadKubeconfig,
  parseKubeconfig,
  type ClientConfig,
  type KubeconfigOptions,
} from './rest/config.js';
export { TokenBucketRateLimiter, rateLimiterFor, unlimitedRateLimiter, type RateLimiter as RequestRateLimiter } from './rest/rate-limiter.js';
export { HttpTransport, TransportError, type RequestSpec } from './rest/http.js';
export { decodeWatchEvents, watchEvents } from './rest/watch-stream.js';
export {
  PATCH_CONTENT_TYPES,
  ResourceClient,
  type DeleteOptions as ClientDeleteOptions,
  type FieldValidation,
  type GetOptions,
  type PatchOptions,
  type PatchType,
  type ResourceRef,
  type WriteOptions,
} from './rest/resource-client.js';
export { Clientset, PodClient, ScalableClient, type ClientsetOptions, type PodLogOptions } from './rest/clientset.js';
export { DEFAULT_BACKOFF, DEFAULT_RETRY, retryOnConflict, withBackoff, type BackoffOptions } from './rest/retry.js';
export { listerWatchersFor } from './clientset-informers.js';

export { WorkQueue, type QueueItem, type WorkQueueOptions } from './workqueue/queue.js';
export { DelayingQueue } from './workqueue/delaying-queue.js';
export {
  bucketRateLimiter,
  defaultControllerRateLimiter,
  exponentialFailureRateLimiter,
  maxOfRateLimiter,
  type RateLimiter,
} from './workqueue/rate-limiters.js';
export { RateLimitingQueue, type RateLimitingQueueOptions } from './workqueue/rate-limiting-queue.js';
export { waitForCacheSync, type HasSynced } from './controller/wait-for-cache-sync.js';
export { ControllerBase, type ControllerDeps, type ControllerIdentity, type RunnableController, type WorkerLoop } from './controller/controller-base.js';
export { ControllerSet, UnknownControllerError, selectControllers, type ControllerDescriptor } from './controller/descriptors.js';
export { createController, runController, type Controller, type ControllerOptions, type SyncFn } from './controller/run-controller.js';

export {
  Indexer,
  NAMESPACE_INDEX,
  NODE_NAME_INDEX,
  OWNER_UID_INDEX,
  UnknownIndexError,
  labelIndex,
  labelIndexName,
  namespaceIndex,
  nodeNameIndex,
  ownerUidIndex,
  type IndexFunc,
  type Indexers,
} from './informers/indexer.js';
export { Reflector, statusIsGone, type ReflectorOptions, type ReflectorStore } from './informers/reflector.js';
export {
  DeletedFinalStateUnknown,
  SharedInformer,
  deletedObject,
  isDeletedFinalStateUnknown,
  type EventHandlerRegistration,
  type ResourceEventHandler,
  type SharedInformerOptions,
} from './informers/shared-informer.js';
export { Lister, NamespaceLister } from './informers/lister.js';
export { SharedInformerFactory, type InformerScope, type ListerWatcherFactory, type SharedInformerFactoryOptions } from './informers/informer-factory.js';
export { FakeListerWatcher, FakeWatchStream, listOf } from './informers/fake-lister-watcher.js';
export { silentLogger, type Logger } from './logger.js';

export { LeaseLock, type LeaderElectionRecord, type LeaseClient, type LeaseLockConfig } from './leader-election/lease-lock.js';
export {
  LeaderElector,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  type LeaderCallbacks,
  type LeaderElectionEnd,
  type LeaderElectorOptions,
} from './leader-election/leader-elector.js';
export { runLeaderElection, type RunLeaderElectionOptions } from './leader-election/run-or-die.js';
export { FakeLeaseClient, FakeLeaseStore } from './leader-election/fake-lease-client.js';
export {
  ApiEventRecorder,
  noopRecorder,
  type ApiEventRecorderOptions,
  type EventRecorder,
  type EventType,
  type InvolvedObject,
} from './events/event-recorder.js';
