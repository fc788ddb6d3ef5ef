/**
 * Node lifecycle: node health from heartbeats (Leases and Ready condition),
 * not-ready/unreachable taints, and NoExecute taint-based eviction.
 *
 * @example
 * ```ts
 * const nlc = new NodeLifecycleController({ client, factory, nodeMonitorGracePeriodMs: 10_000 });
 * factory.start(signal);
 * await nlc.run(signal);
 * ```
 */
export { NodeLifecycleController, type NodeLifecycleControllerOptions } from './node-lifecycle-controller.js';
export {
  MESSAGE_NEVER_POSTED,
  MESSAGE_STOPPED_POSTING,
  MONITORED_CONDITIONS,
  REASON_NEVER_UPDATED,
  REASON_STATUS_UNKNOWN,
  desiredTaints,
  observeHealth,
  unknownConditions,
  type NodeHealth,
} from './node-health.js';
export { NO_EXECUTE, NO_SCHEDULE, TAINT_NOT_READY, TAINT_UNREACHABLE, evictionDeadline, matchingToleration, toleratesTaint } from './taints.js';
