/**
 * The ReplicaSet controller.
 *
 * @example
 * ```ts
 * const factory = new SharedInformerFactory(listerWatchersFor(client));
 * const rsc = new ReplicaSetController({ client, factory });
 * factory.start(signal);
 * await rsc.run(signal);
 * ```
 */
export {
  BURST_REPLICAS,
  REPLICASET_CONTROLLER_NAME,
  ReplicaSetController,
  podFromTemplate,
  type ReplicaSetControllerOptions,
} from './replicaset-controller.js';
export { REPLICA_FAILURE, calculateReplicaSetStatus, nextAvailabilityCheckMs, replicaSetStatusChanged, type ManageFailure } from './replicaset-status.js';
