/**
 * Fixtures for this package's unit tests: NodeInfos and PodInfos from the
 * @mk8s/testing builders, with the fields plugins look at as options.
 */
import type { Node, Pod, Taint, Toleration } from '@mk8s/api';
import { buildNode, buildPod, type NodeOptions, type PodOptions } from '@mk8s/testing';
import { NodeInfo } from '../framework/node-info.js';
import { newPodInfo, type PodInfo } from '../framework/pod-info.js';

export interface TestNodeOptions extends NodeOptions {
  /** Pods already on the node. */
  running?: Pod[];
  taints?: Taint[];
}

export function testNode(name: string, o: TestNodeOptions = {}): NodeInfo {
  const node: Node = buildNode(name, o);
  if (o.taints) node.spec = { ...node.spec, taints: o.taints };
  const info = new NodeInfo(name);
  info.setNode(node);
  for (const p of o.running ?? []) info.addPod(newPodInfo(p));
  return info;
}

export interface TestPodOptions extends PodOptions {
  tolerations?: Toleration[];
  hostPorts?: Array<{ port: number; protocol?: string; ip?: string }>;
  nodeSelector?: Record<string, string>;
  affinity?: NonNullable<Pod['spec']>['affinity'];
  ownerUid?: string;
  priority?: number;
  uid?: string;
}

let uids = 0;

export function testPod(name: string, o: TestPodOptions = {}): Pod {
  const pod = buildPod(name, {
    ...o,
    ownerReferences: o.ownerUid ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: o.ownerUid, controller: true }] : o.ownerReferences,
  });
  pod.metadata!.uid = o.uid ?? `uid-${name}-${uids++}`;
  const spec = pod.spec!;
  if (o.tolerations) spec.tolerations = o.tolerations;
  if (o.nodeSelector) spec.nodeSelector = o.nodeSelector;
  if (o.affinity) spec.affinity = o.affinity;
  if (o.priority !== undefined) spec.priority = o.priority;
  if (o.hostPorts) {
    spec.containers[0]!.ports = o.hostPorts.map((p) => ({
      containerPort: p.port,
      hostPort: p.port,
      protocol: p.protocol,
      hostIP: p.ip,
    }));
  }
  return pod;
}

export function testPodInfo(name: string, o: TestPodOptions = {}): PodInfo {
  return newPodInfo(testPod(name, o));
}
