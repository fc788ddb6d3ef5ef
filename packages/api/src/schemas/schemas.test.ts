import { describe, expect, it } from 'vitest';
import { DeploymentSchema } from './apps.js';
import type { Deployment } from './apps.js';
import { HorizontalPodAutoscalerSchema } from './autoscaling.js';
import { PodSchema } from './core-pod.js';
import type { Pod } from './core-pod.js';
import { NodeSchema, SecretSchema, ServiceSchema } from './core.js';
import { LeaseSchema } from './coordination.js';
import { DeleteOptionsSchema, ObjectMetaSchema } from './meta.js';
import { EvictionSchema } from './policy.js';

type Json = Record<string, unknown>;

/** Follows `a.b[].c` through inline schemas (`[]` steps into array items). */
function at(schema: unknown, path: string): Json {
  let node = schema as Json;
  for (const step of path.split('.')) {
    const name = step.replace(/\[\]$/, '');
    const next = (node['properties'] as Record<string, Json> | undefined)?.[name];
    if (!next) throw new Error(`no field ${name} in path ${path}`);
    node = step.endsWith('[]') ? (next['items'] as Json) : next;
  }
  return node;
}

function patchMeta(schema: unknown, path: string): [unknown, unknown] {
  const node = at(schema, path);
  return [node['x-kubernetes-patch-strategy'], node['x-kubernetes-patch-merge-key']];
}

describe('schemas', () => {
  it('are inline: no $ref anywhere', () => {
    const json = JSON.stringify([PodSchema, NodeSchema, ServiceSchema, DeploymentSchema, HorizontalPodAutoscalerSchema, LeaseSchema, EvictionSchema]);
    expect(json).not.toContain('$ref');
  });

  it('carry Kubernetes strategic-merge annotations on lists', () => {
    expect(patchMeta(PodSchema, 'spec.containers')).toEqual(['merge', 'name']);
    expect(patchMeta(PodSchema, 'spec.initContainers')).toEqual(['merge', 'name']);
    expect(patchMeta(PodSchema, 'spec.volumes')).toEqual(['merge,retainKeys', 'name']);
    expect(patchMeta(PodSchema, 'spec.containers[].env')).toEqual(['merge', 'name']);
    expect(patchMeta(PodSchema, 'spec.containers[].volumeMounts')).toEqual(['merge', 'mountPath']);
    expect(patchMeta(PodSchema, 'spec.containers[].ports')).toEqual(['merge', 'containerPort']);
    expect(patchMeta(PodSchema, 'spec.imagePullSecrets')).toEqual(['merge', 'name']);
    expect(patchMeta(PodSchema, 'spec.hostAliases')).toEqual(['merge', 'ip']);
    expect(patchMeta(PodSchema, 'spec.topologySpreadConstraints')).toEqual(['merge', 'topologyKey']);
    expect(patchMeta(PodSchema, 'status.conditions')).toEqual(['merge', 'type']);
    expect(patchMeta(PodSchema, 'status.podIPs')).toEqual(['merge', 'ip']);
    expect(patchMeta(ServiceSchema, 'spec.ports')).toEqual(['merge', 'port']);
    expect(patchMeta(NodeSchema, 'status.addresses')).toEqual(['merge', 'type']);
    expect(patchMeta(NodeSchema, 'status.conditions')).toEqual(['merge', 'type']);
    expect(patchMeta(ObjectMetaSchema, 'ownerReferences')).toEqual(['merge', 'uid']);
    expect(patchMeta(ObjectMetaSchema, 'finalizers')).toEqual(['merge', undefined]);
    expect(patchMeta(DeploymentSchema, 'status.conditions')).toEqual(['merge', 'type']);
    expect(patchMeta(DeploymentSchema, 'spec.strategy')).toEqual(['retainKeys', undefined]);
    // Replaced as a whole in Kubernetes.
    expect(patchMeta(PodSchema, 'spec.tolerations')).toEqual([undefined, undefined]);
    expect(patchMeta(NodeSchema, 'spec.taints')).toEqual([undefined, undefined]);
    expect(at(PodSchema, 'spec.tolerations')['x-kubernetes-list-type']).toBe('atomic');
  });

  it('carry list types and map keys', () => {
    expect(at(PodSchema, 'spec.containers[].ports')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
    });
    expect(at(ServiceSchema, 'spec.ports')['x-kubernetes-list-map-keys']).toEqual(['port', 'protocol']);
    expect(at(ObjectMetaSchema, 'finalizers')['x-kubernetes-list-type']).toBe('set');
    expect(at(PodSchema, 'spec.containers[].command')['x-kubernetes-list-type']).toBe('atomic');
  });

  it('mark int-or-string fields, quantities, maps and preserved subtrees', () => {
    expect(at(ServiceSchema, 'spec.ports[].targetPort')['x-kubernetes-int-or-string']).toBe(true);
    expect(at(DeploymentSchema, 'spec.strategy.rollingUpdate.maxSurge')['x-kubernetes-int-or-string']).toBe(true);
    expect(at(DeploymentSchema, 'spec.strategy.rollingUpdate.maxUnavailable')['x-kubernetes-int-or-string']).toBe(true);
    expect(at(PodSchema, 'spec.containers[].livenessProbe.httpGet.port')['x-kubernetes-int-or-string']).toBe(true);
    expect(at(PodSchema, 'metadata.labels')).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    expect(at(PodSchema, 'spec.nodeSelector')).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    const limits = at(PodSchema, 'spec.containers[].resources.limits');
    expect((limits['additionalProperties'] as Json)['x-mk8s-quantity']).toBe(true);
    expect(at(NodeSchema, 'status.capacity')['additionalProperties']).toMatchObject({ 'x-mk8s-quantity': true });
    expect(at(PodSchema, 'spec.containers[].securityContext')['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(at(PodSchema, 'metadata.managedFields')['items']).toMatchObject({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(at(SecretSchema, 'data')['additionalProperties']).toMatchObject({ type: 'string', format: 'byte' });
  });

  it('cover the fields the rest of the system reads', () => {
    expect(Object.keys(at(DeleteOptionsSchema, 'preconditions')['properties'] as Json)).toEqual(['uid', 'resourceVersion']);
    expect(Object.keys(at(NodeSchema, 'status.daemonEndpoints.kubeletEndpoint')['properties'] as Json)).toEqual(['Port']);
    expect(Object.keys(at(HorizontalPodAutoscalerSchema, 'spec.behavior.scaleUp')['properties'] as Json)).toEqual([
      'stabilizationWindowSeconds',
      'selectPolicy',
      'policies',
    ]);
    expect(Object.keys(at(LeaseSchema, 'spec')['properties'] as Json)).toEqual(
      expect.arrayContaining(['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions']),
    );
    expect(Object.keys(at(PodSchema, 'status.containerStatuses[].state')['properties'] as Json)).toEqual(['waiting', 'running', 'terminated']);
  });

  it('give typed objects through Static', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 80 }] }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: {} } }] },
    };
    const deployment: Deployment = {
      spec: { selector: { matchLabels: { app: 'web' } }, template: { spec: pod.spec! }, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } },
    };
    expect(deployment.spec!.template.spec!.containers[0]!.name).toBe('c');
  });
});
