/**
 * What the scheduler needs to know about a pod, computed once per
 * scheduling attempt (and kept for assumed/bound pods in the cache), so
 * filters and scores over hundreds of nodes never re-parse quantities.
 */
import { controllerRef, podRequests, type Pod } from '@mk8s/api';

/** Kubernetes' defaults for pods that request nothing, used only for scoring (so they still spread). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface HostPort {
  protocol: string;
  /** "0.0.0.0" when unset: the port on every address. */
  ip: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  /** `namespace/name` */
  key: string;
  uid: string;
  /** Requests in base units (cpu millicores, memory bytes, others whole units); `cpu`/`memory` default to 0. */
  milliCPU: number;
  memory: number;
  /** Extended resources (anything but cpu, memory, pods, ephemeral-storage) with a request > 0. */
  scalar: ReadonlyArray<readonly [string, number]>;
  /** cpu/memory with Kubernetes' non-zero defaults applied (scoring only). */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
  hostPorts: readonly HostPort[];
  /** The controller owner's uid (the spreading key), if any. */
  ownerUid: string | undefined;
}

const IGNORED_SCALARS = new Set(['cpu', 'memory', 'pods', 'ephemeral-storage']);

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export function newPodInfo(pod: Pod): PodInfo {
  const req = podRequests(pod);
  const milliCPU = req['cpu'] ?? 0;
  const memory = req['memory'] ?? 0;
  const scalar: Array<readonly [string, number]> = [];
  for (const [name, amount] of Object.entries(req)) {
    if (!IGNORED_SCALARS.has(name) && amount > 0) scalar.push([name, amount]);
  }
  const hostPorts: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) hostPorts.push({ protocol: p.protocol || 'TCP', ip: p.hostIP || '0.0.0.0', port: p.hostPort });
    }
  }
  return {
    pod,
    key: podKey(pod),
    uid: pod.metadata?.uid ?? podKey(pod),
    milliCPU,
    memory,
    scalar,
    nonZeroMilliCPU: milliCPU > 0 ? milliCPU : DEFAULT_MILLI_CPU_REQUEST,
    nonZeroMemory: memory > 0 ? memory : DEFAULT_MEMORY_REQUEST,
    hostPorts,
    ownerUid: controllerRef(pod)?.uid,
  };
}
