import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '@mk8s/api';
import { maxRevision, setNewReplicaSetAnnotations } from './annotations.js';

const d = {
  metadata: {
    name: 'web',
    annotations: { 'kubernetes.io/change-cause': 'v2', 'deployment.kubernetes.io/revision': '7', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
  },
  spec: { replicas: 3, selector: {}, template: {} },
} as Deployment;

describe('ReplicaSet annotations', () => {
  it('gives a new ReplicaSet the revision, sizes and the Deployment own annotations', () => {
    const rs = { metadata: { name: 'web-x' } } as ReplicaSet;
    expect(setNewReplicaSetAnnotations(d, rs, 3, false, 1)).toBe(true);
    expect(rs.metadata!.annotations).toEqual({
      'kubernetes.io/change-cause': 'v2',
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
  });

  it('raises the revision of a reused ReplicaSet and records the old one, but never lowers it', () => {
    const rs = { metadata: { name: 'web-x', annotations: { 'deployment.kubernetes.io/revision': '1', 'kubernetes.io/change-cause': 'v2' } } } as ReplicaSet;
    expect(setNewReplicaSetAnnotations(d, rs, 3, true, 1)).toBe(true);
    expect(rs.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    expect(rs.metadata!.annotations!['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(setNewReplicaSetAnnotations(d, rs, 2, true, 1)).toBe(false);
    expect(rs.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('maxRevision ignores missing and malformed revisions', () => {
    const mk = (r?: string) => ({ metadata: { annotations: r === undefined ? {} : { 'deployment.kubernetes.io/revision': r } } }) as ReplicaSet;
    expect(maxRevision([mk('2'), mk(), mk('x'), mk('5')])).toBe(5);
    expect(maxRevision([])).toBe(0);
  });
});
