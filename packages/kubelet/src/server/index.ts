/** The kubelet's HTTP server and the pieces it is built from. */
export { startKubeletServer, type KubeletServer, type KubeletServerOptions } from './kubelet-server.js';
export { criLogLocator, type ContainerLogLocator, type LocatedLog } from './log-locator.js';
export { readContainerLog, streamContainerLog, type StreamLogControl } from './container-logs.js';
export { LogOptionsError, parseLogOptions, type ContainerLogOptions, type RawQuery } from './log-options.js';
export { LogLineAssembler, fixedTimestamp, renderLogLine, type LogLine } from './log-lines.js';
export {
  buildStatsSummary,
  type ContainerStatsSummary,
  type CpuStats,
  type MemoryStats,
  type NodeStatsSummary,
  type PodReference,
  type PodStatsSummary,
  type StatsSummary,
  type StatsSummaryOptions,
} from './stats-summary.js';
