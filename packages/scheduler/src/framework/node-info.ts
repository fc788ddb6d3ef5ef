/**
 * The scheduler's aggregated view of one node: the Node object's parsed
 * allocatable, taints and readiness, plus the sum of what the pods on it
 * (bound and assumed) request, their host ports and how many pods of each
 * controller it runs. Plugins read it on the hot path; only the cache
 * changes it.
 */
import { resourceAmount, type Node, type Taint } from '@mk8s/api';
import type { HostPort, PodInfo } from './pod-info.js';

export interface Allocatable {
  milliCPU: number;
  memory: number;
  pods: number;
  scalar: Record<string, number>;
}

export class NodeInfo {
  /** Undefined while pods are known for a node the cache has not seen (or that was deleted). */
  node: Node | undefined;
  allocatable: Allocatable = { milliCPU: 0, memory: 0, pods: 0, scalar: {} };
  /** NoSchedule and NoExecute taints (filtering) and PreferNoSchedule taints (scoring). */
  hardTaints: Taint[] = [];
  softTaints: Taint[] = [];
  ready = false;
  unschedulable = false;
  labels: Record<string, string> = {};

  readonly pods = new Map<string, PodInfo>();
  requestedMilliCPU = 0;
  requestedMemory = 0;
  readonly requestedScalar = new Map<string, number>();
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  /** `protocol/port` -> host IPs in use (with counts). */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /** Controller owner uid -> number of its pods here. */
  readonly ownerCounts = new Map<string, number>();

  constructor(readonly name: string) {}

  setNode(node: Node): void {
    this.node = node;
    const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
    const scalar: Record<string, number> = {};
    let milliCPU = 0;
    let memory = 0;
    let pods = 0;
    for (const [name, value] of Object.entries(alloc)) {
      const amount = resourceAmount(name, value as string);
      if (name === 'cpu') milliCPU = amount;
      else if (name === 'memory') memory = amount;
      else if (name === 'pods') pods = amount;
      else scalar[name] = amount;
    }
    this.allocatable = { milliCPU, memory, pods, scalar };
    const taints = node.spec?.taints ?? [];
    this.hardTaints = taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    this.softTaints = taints.filter((t) => t.effect === 'PreferNoSchedule');
    this.ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    this.unschedulable = node.spec?.unschedulable === true;
    this.labels = node.metadata?.labels ?? {};
  }

  addPod(info: PodInfo): void {
    this.pods.set(info.uid, info);
    this.account(info, 1);
  }

  /** Removes the pod by uid; false when it was not here. */
  removePod(uid: string): boolean {
    const info = this.pods.get(uid);
    if (!info) return false;
    this.pods.delete(uid);
    this.account(info, -1);
    return true;
  }

  private account(info: PodInfo, sign: 1 | -1): void {
    this.requestedMilliCPU += sign * info.milliCPU;
    this.requestedMemory += sign * info.memory;
    this.nonZeroMilliCPU += sign * info.nonZeroMilliCPU;
    this.nonZeroMemory += sign * info.nonZeroMemory;
    for (const [name, amount] of info.scalar) this.requestedScalar.set(name, (this.requestedScalar.get(name) ?? 0) + sign * amount);
    for (const hp of info.hostPorts) {
      const k = portKey(hp);
      let ips = this.usedPorts.get(k);
      if (!ips) this.usedPorts.set(k, (ips = new Map()));
      const n = (ips.get(hp.ip) ?? 0) + sign;
      if (n > 0) ips.set(hp.ip, n);
      else ips.delete(hp.ip);
      if (ips.size === 0) this.usedPorts.delete(k);
    }
    if (info.ownerUid) {
      const n = (this.ownerCounts.get(info.ownerUid) ?? 0) + sign;
      if (n > 0) this.ownerCounts.set(info.ownerUid, n);
      else this.ownerCounts.delete(info.ownerUid);
    }
  }

  /** Whether a host port conflicts: same protocol and port, and the same IP or either one is 0.0.0.0. */
  portInUse(hp: HostPort): boolean {
    const ips = this.usedPorts.get(portKey(hp));
    if (!ips) return false;
    if (hp.ip === '0.0.0.0') return ips.size > 0;
    return ips.has(hp.ip) || ips.has('0.0.0.0');
  }
}

function portKey(hp: HostPort): string {
  return `${hp.protocol}/${hp.port}`;
}
