/**
 * Object builders for tests: small, valid objects with the fields tests vary
 * most as options. Each returns a fresh object; change it freely.
 */
import type { Deployment, Node, Pod, ReplicaSet, Service } from '@mk8s/api';

export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  image?: string;
  command?: string[];
  requests?: { cpu?: string; memory?: string };
  ownerReferences?: NonNullable<Pod['metadata']>['ownerReferences'];
}

export function buildPod(name: string, o: PodOptions = {}): Pod {
  // The conditional spreads in these builders stay: they make API objects, not options, which unit tests also use in process (not only as JSON).
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.ownerReferences ? { ownerReferences: o.ownerReferences } : {}),
    },
    spec: {
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      containers: [
        {
          name: 'main',
          image: o.image ?? 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: o.command ?? ['sleep', '3600'],
          ...(o.requests ? { resources: { requests: o.requests } } : {}),
        },
      ],
    },
  } as Pod;
}

export interface NodeOptions {
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
  pods?: string;
  ready?: boolean;
  unschedulable?: boolean;
}

export function buildNode(name: string, o: NodeOptions = {}): Node {
  const capacity = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', reason: o.ready === false ? 'KubeletNotReady' : 'KubeletReady' }],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
    },
  } as Node;
}

function template(labels: Record<string, string>, image: string) {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
  };
}

export function buildReplicaSet(name: string, o: { namespace?: string; replicas?: number; labels?: Record<string, string>; image?: string } = {}): ReplicaSet {
  const labels = o.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: o.namespace ?? 'default' },
    spec: { replicas: o.replicas ?? 1, selector: { matchLabels: labels }, template: template(labels, o.image ?? 'busybox:latest') },
  } as ReplicaSet;
}

export function buildDeployment(name: string, o: { namespace?: string; replicas?: number; labels?: Record<string, string>; image?: string } = {}): Deployment {
  const labels = o.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: o.namespace ?? 'default' },
    spec: { replicas: o.replicas ?? 1, selector: { matchLabels: labels }, template: template(labels, o.image ?? 'busybox:latest') },
  } as Deployment;
}

export function buildService(
  name: string,
  o: { namespace?: string; selector?: Record<string, string>; port?: number; targetPort?: number | string; type?: string } = {},
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespace ?? 'default' },
    spec: {
      ...(o.type ? { type: o.type } : {}),
      selector: o.selector ?? { app: name },
      ports: [{ port: o.port ?? 80, targetPort: o.targetPort ?? 8080, protocol: 'TCP' }],
    },
  } as Service;
}
