/**
 * @mk8s/testing: helpers for tests across the project: an in-process test
 * cluster (`startTestCluster`, with a client), object builders, the fake
 * clock, polling (`eventually`, `eventuallyMatches`), and the built
 * executables as child processes for e2e tests and benchmarks (one of them,
 * or a whole node: `startNodeProcesses`).
 *
 * @example
 * ```ts
 * import { startApiServerProcess } from '@mk8s/testing';
 * const { proc, url } = await startApiServerProcess();
 * // ... drive `url` with kubectl or a client ...
 * await proc.stop();
 * ```
 */
export { REPO_ROOT, binPath, kubeconfigFor, startApiServerProcess, startComponent, type ComponentProcess, type StartOptions } from './component-process.js';
export { startTestCluster, type TestCluster, type TestClusterOptions } from './test-cluster.js';
export { buildDeployment, buildNode, buildPod, buildReplicaSet, buildService, type NodeOptions, type PodOptions } from './builders.js';
export { FakeClock } from '@mk8s/client';
export { CONTAINERD_K8S_NAMESPACE, startContainerd, type ContainerdInstance, type ContainerdOptions } from './containerd.js';
export { freePort, startEtcd, type EtcdCluster, type EtcdMember, type EtcdOptions } from './etcd.js';
export { MissingToolError, TOOL_HINTS, requireRoot, requireTool, toolWorks } from './require-tool.js';
export {
  EVENTUALLY_DEFAULT_INTERVAL_MS,
  EVENTUALLY_DEFAULT_TIMEOUT_MS,
  eventually,
  eventuallyMatches,
  type EventuallyOptions,
  type NotYet,
} from './eventually.js';
export { startNodeProcesses, type NodeProcesses, type NodeProcessesOptions } from './node-processes.js';
export { TestPki, type KeyPair } from './test-pki.js';
export {
  WARDLE_GROUP,
  WARDLE_VERSION,
  startExtensionApiServer,
  type ExtensionApiServer,
  type ExtensionApiServerOptions,
  type RecordedRequest,
} from './extension-apiserver.js';
export { httpsCall, type HttpsCallOptions, type HttpsReply } from './https-call.js';
