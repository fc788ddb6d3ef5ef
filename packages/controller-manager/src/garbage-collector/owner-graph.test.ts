import { RESOURCE_TYPES } from '@mk8s/api';
import { Indexer, type KubeObject } from '@mk8s/client';
import { describe, expect, it } from 'vitest';
import { OwnerGraph, graphIndexers } from './owner-graph.js';

const rt = (resource: string) => RESOURCE_TYPES.find((r) => r.resource === resource)!;

describe('OwnerGraph', () => {
  const rs: KubeObject = { metadata: { name: 'web', namespace: 'default', uid: 'rs-1' } };
  const pod: KubeObject = {
    metadata: { name: 'web-x', namespace: 'default', uid: 'pod-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1' }] },
  };
  const rsStore = new Indexer<KubeObject>(graphIndexers);
  const podStore = new Indexer<KubeObject>(graphIndexers);
  rsStore.add(rs);
  podStore.add(pod);
  const graph = new OwnerGraph([
    { rt: rt('replicasets'), store: rsStore },
    { rt: rt('pods'), store: podStore },
  ]);

  it('finds objects by uid and dependents by owner uid across resources', () => {
    expect(graph.get('rs-1')?.rt.kind).toBe('ReplicaSet');
    expect(graph.dependents('rs-1').map((d) => d.obj.metadata?.name)).toEqual(['web-x']);
    expect(graph.get('nope')).toBeUndefined();
  });

  it('resolves an owner only when uid, kind, group, name and namespace all agree', () => {
    const r = pod.metadata!.ownerReferences![0]!;
    expect(graph.owner(r, 'default')?.obj).toBe(rs);
    expect(graph.owner({ ...r, kind: 'Deployment' }, 'default')).toBeUndefined();
    expect(graph.owner({ ...r, apiVersion: 'v1' }, 'default')).toBeUndefined();
    expect(graph.owner({ ...r, name: 'other' }, 'default')).toBeUndefined();
    expect(graph.owner(r, 'elsewhere')).toBeUndefined();
  });
});
