/**
 * @mk8s/scheduler: the kube-scheduler's insides. A scheduling queue
 * (active by priority, backoff, unschedulable), a cache of nodes and
 * assumed pods, the framework's extension points (PreFilter, Filter,
 * PreScore, Score) with the in-tree plugins, and the Scheduler that runs
 * them and binds through `pods/binding`.
 *
 * @example
 * ```ts
 * import { Clientset } from '@mk8s/client';
 * import { Scheduler, loadConfigFile } from '@mk8s/scheduler';
 *
 * const client = await Clientset.fromKubeconfig('.mk8s/kubeconfig');
 * const scheduler = new Scheduler({ client, config: await loadConfigFile('scheduler.yaml') });
 * const ac = new AbortController();
 * await scheduler.run(ac.signal); // until ac.abort()
 * ```
 */
export { Scheduler, type SchedulerOptions } from './scheduler.js';
export {
  ConfigError,
  buildFramework,
  loadConfigFile,
  resolveConfig,
  type PluginRef,
  type PluginSet,
  type ResolvedConfig,
  type SchedulerConfiguration,
  type SchedulerProfile,
} from './config.js';
export { SchedulerMetrics, type AttemptResult } from './metrics.js';
export { SchedulingQueue, type QueueLengths, type QueuedPodInfo, type SchedulingQueueOptions } from './queue/scheduling-queue.js';
export { SchedulerCache } from './cache/scheduler-cache.js';
export { PodScheduler, NoNodesAvailableError, numFeasibleNodesToFind, type ScheduleResult } from './schedule-pod.js';
export { Framework, type Cycle, type FrameworkPlugins, type WeightedScorePlugin } from './framework/framework.js';
export { FitError, fitErrorMessage, NO_NODES_AVAILABLE, PREEMPTION_MESSAGE } from './framework/fit-error.js';
export { NodeInfo, type Allocatable } from './framework/node-info.js';
export { newPodInfo, podKey, type HostPort, type PodInfo } from './framework/pod-info.js';
export { Status, type StatusCode } from './framework/status.js';
export {
  CycleState,
  MAX_NODE_SCORE,
  defaultNormalizeScores,
  type FilterPlugin,
  type Plugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from './framework/types.js';
export { DEFAULT_FILTER_PLUGINS, DEFAULT_SCORE_PLUGINS, IN_TREE_PLUGINS } from './plugins/registry.js';
export * as pluginNames from './plugins/names.js';
