/** The kubelet's HTTP server and the pieces it is built from. */
export { startKubeletServer, type KubeletServer, type KubeletServerOptions } from './kubelet-server.js';
export { browserRefusal, servingRefusal } from './browser-guard.js';
export { DEFAULT_EXEC_TIMEOUT_SECONDS, ExecServer, type ExecServerOptions } from './exec-server.js';
export { CHANNEL, EXEC_PROTOCOLS, STREAM_PROTOCOL_V4, STREAM_PROTOCOL_V5, parseExecRequest, type ExecRequest, type StreamStatus } from './exec-protocol.js';
export { criLogLocator, findContainerAttempts, type ContainerLogLocator, type LocatedLog } from './log-locator.js';
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
