/**
 * The NodeStatus this kubelet wants on the API server, and the comparison
 * that decides whether writing it is worth a request. Pure.
 */
import { deepEqual, parseQuantity, type NodeStatus } from '@mk8s/api';
import { allocatableOf, type NodeConfig, type NodeResources } from './node-config.js';
import { nodeConditions, type Readiness } from './node-conditions.js';

/**
 * `current` with the fields this kubelet owns replaced (capacity,
 * allocatable, addresses, daemonEndpoints, nodeInfo, conditions); fields
 * others own (images, volumes, conditions of other types) are kept.
 * Quantities are written in canonical form, so what the server echoes back
 * compares equal.
 */
export function desiredNodeStatus(config: NodeConfig, readiness: Readiness, nowMs: number, current: NodeStatus = {}): NodeStatus {
  const info = config.nodeInfo;
  return {
    ...current,
    capacity: { ...current.capacity, ...canonical(config.capacity) },
    allocatable: { ...current.allocatable, ...canonical(allocatableOf(config)) },
    conditions: nodeConditions(readiness, nowMs, current.conditions ?? []),
    addresses: config.addresses.map((a) => ({ type: a.type, address: a.address })),
    daemonEndpoints: { kubeletEndpoint: { Port: config.kubeletPort } },
    nodeInfo: {
      machineID: info.machineID ?? '',
      systemUUID: info.systemUUID ?? '',
      bootID: info.bootID ?? '',
      kernelVersion: info.kernelVersion,
      osImage: info.osImage,
      containerRuntimeVersion: info.containerRuntimeVersion,
      kubeletVersion: info.kubeletVersion,
      kubeProxyVersion: '',
      operatingSystem: info.operatingSystem,
      architecture: info.architecture,
    },
  };
}

function canonical(res: NodeResources): Record<string, string> {
  return Object.fromEntries(Object.entries(res).map(([k, v]) => [k, parseQuantity(v).canonical()]));
}

/**
 * Whether two statuses say the same, ignoring conditions' lastHeartbeatTime
 * (Kubernetes' nodeStatusHasChanged): a status that differs only in
 * heartbeats need not be written before the report interval is up.
 */
export function nodeStatusEqual(a: NodeStatus | undefined, b: NodeStatus | undefined): boolean {
  return deepEqual(withoutHeartbeats(a ?? {}), withoutHeartbeats(b ?? {}));
}

function withoutHeartbeats(s: NodeStatus): NodeStatus {
  if (!s.conditions) return s;
  return { ...s, conditions: s.conditions.map(({ lastHeartbeatTime: _h, ...c }) => c) };
}
