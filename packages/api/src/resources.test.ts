import { describe, expect, it } from 'vitest';
import { KIND_SCHEMAS, RESOURCE_TYPES, definitionOf, resourceFor, resourceForKind, servedGroupVersions } from './resources.js';
import { PodSchema } from './schemas/core-pod.js';
import { Type } from '@sinclair/typebox';

describe('resource table', () => {
  it('serves the resources kubectl users expect, with Kubernetes names', () => {
    const rows = RESOURCE_TYPES.map((r) => [r.apiVersion, r.resource, r.kind, r.namespaced, r.shortNames.join(','), r.categories.join(',')]);
    expect(rows).toEqual([
      ['v1', 'namespaces', 'Namespace', false, 'ns', ''],
      ['v1', 'pods', 'Pod', true, 'po', 'all'],
      ['v1', 'nodes', 'Node', false, 'no', ''],
      ['v1', 'services', 'Service', true, 'svc', 'all'],
      ['v1', 'endpoints', 'Endpoints', true, 'ep', ''],
      ['v1', 'events', 'Event', true, 'ev', ''],
      ['v1', 'configmaps', 'ConfigMap', true, 'cm', ''],
      ['v1', 'secrets', 'Secret', true, '', ''],
      ['v1', 'serviceaccounts', 'ServiceAccount', true, 'sa', ''],
      ['v1', 'resourcequotas', 'ResourceQuota', true, 'quota', ''],
      ['v1', 'limitranges', 'LimitRange', true, 'limits', ''],
      ['coordination.k8s.io/v1', 'leases', 'Lease', true, '', ''],
      ['events.k8s.io/v1', 'events', 'Event', true, 'ev', ''],
      ['apps/v1', 'replicasets', 'ReplicaSet', true, 'rs', 'all'],
      ['apps/v1', 'deployments', 'Deployment', true, 'deploy', 'all'],
      ['autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, 'hpa', 'all'],
      ['autoscaling/v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, 'hpa', 'all'],
      ['rbac.authorization.k8s.io/v1', 'clusterroles', 'ClusterRole', false, '', ''],
      ['rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'ClusterRoleBinding', false, '', ''],
      ['rbac.authorization.k8s.io/v1', 'roles', 'Role', true, '', ''],
      ['rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding', true, '', ''],
      ['authorization.k8s.io/v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, '', ''],
      ['authorization.k8s.io/v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, '', ''],
      ['authentication.k8s.io/v1', 'selfsubjectreviews', 'SelfSubjectReview', false, '', ''],
      ['authorization.k8s.io/v1', 'subjectaccessreviews', 'SubjectAccessReview', false, '', ''],
      ['authorization.k8s.io/v1', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true, '', ''],
      ['authentication.k8s.io/v1', 'tokenreviews', 'TokenReview', false, '', ''],
      ['apiextensions.k8s.io/v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, 'crd,crds', 'api-extensions'],
      ['apiregistration.k8s.io/v1', 'apiservices', 'APIService', false, '', 'api-extensions'],
    ]);
  });

  it('derives group, version, list kind, singular and definition', () => {
    const hpa = resourceFor('autoscaling', 'v2', 'horizontalpodautoscalers')!;
    expect(hpa).toMatchObject({
      group: 'autoscaling',
      version: 'v2',
      listKind: 'HorizontalPodAutoscalerList',
      singular: 'horizontalpodautoscaler',
      definition: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
      subresources: ['status'],
    });
    const pod = resourceFor('', 'v1', 'pods')!;
    expect(pod.schema).toBe(PodSchema);
    expect(pod.definition).toBe('io.k8s.api.core.v1.Pod');
    expect(pod.subresources).toEqual(['status', 'binding', 'eviction', 'log', 'exec', 'proxy']);
    expect(resourceFor('apps', 'v1', 'deployments')!.subresources).toEqual(['status', 'scale']);
    expect(resourceFor('coordination.k8s.io', 'v1', 'leases')!.definition).toBe('io.k8s.api.coordination.v1.Lease');
  });

  it('finds resources by URL coordinates and by apiVersion/kind, and nothing else', () => {
    expect(resourceFor('apps', 'v1', 'deployments')!.kind).toBe('Deployment');
    expect(resourceFor('', 'v1', 'deployments')).toBeUndefined();
    expect(resourceFor('apps', 'v2', 'deployments')).toBeUndefined();
    expect(resourceFor('', 'v1', 'po')).toBeUndefined();
    expect(resourceForKind('v1', 'Pod')!.resource).toBe('pods');
    expect(resourceForKind('apps/v1', 'ReplicaSet')!.resource).toBe('replicasets');
    expect(resourceForKind('apps/v1', 'Pod')).toBeUndefined();
    expect(resourceForKind('v1', 'pod')).toBeUndefined();
  });

  it('has unique resources and kinds per group-version', () => {
    const keys = RESOURCE_TYPES.map((r) => `${r.apiVersion}/${r.resource}`);
    expect(new Set(keys).size).toBe(keys.length);
    const kinds = RESOURCE_TYPES.map((r) => `${r.apiVersion}/${r.kind}`);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(servedGroupVersions()).toEqual([
      'v1',
      'coordination.k8s.io/v1',
      'events.k8s.io/v1',
      'apps/v1',
      'autoscaling/v2',
      'autoscaling/v1',
      'rbac.authorization.k8s.io/v1',
      'authorization.k8s.io/v1',
      'authentication.k8s.io/v1',
      'apiextensions.k8s.io/v1',
      'apiregistration.k8s.io/v1',
    ]);
    expect(Object.isFrozen(RESOURCE_TYPES)).toBe(true);
  });

  it('knows the request/response-only kinds', () => {
    expect(Object.keys(KIND_SCHEMAS).sort()).toEqual(['Binding', 'DeleteOptions', 'Eviction', 'Scale', 'Status', 'Table', 'TokenRequest', 'WatchEvent']);
    expect(KIND_SCHEMAS['Binding']).toMatchObject({ apiVersion: 'v1', definition: 'io.k8s.api.core.v1.Binding' });
    expect(KIND_SCHEMAS['Scale']).toMatchObject({ apiVersion: 'autoscaling/v1', definition: 'io.k8s.api.autoscaling.v1.Scale' });
    expect(KIND_SCHEMAS['Eviction']).toMatchObject({ apiVersion: 'policy/v1', definition: 'io.k8s.api.policy.v1.Eviction' });
    expect(KIND_SCHEMAS['DeleteOptions']!.definition).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  });

  it('refuses a schema without a definition name', () => {
    expect(() => definitionOf(Type.Object({}))).toThrow(/no definition name/);
  });
});
