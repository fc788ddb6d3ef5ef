// Builders must produce objects the API server accepts as they are: that is
// their whole contract, so it is checked against the real validation.
import { applyCreateDefaults, applyDefaults, validateObject } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { buildDeployment, buildNode, buildPod, buildReplicaSet, buildService } from './builders.js';

describe('builders', () => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['Pod', buildPod('p', { labels: { a: 'b' }, requests: { cpu: '100m' } }) as Record<string, unknown>, true],
    ['Node', buildNode('n', { unschedulable: true }) as Record<string, unknown>, false],
    ['ReplicaSet', buildReplicaSet('rs', { replicas: 3 }) as Record<string, unknown>, true],
    ['Deployment', buildDeployment('d') as Record<string, unknown>, true],
    ['Service', buildService('s') as Record<string, unknown>, true],
  ];
  for (const [kind, obj, namespaced] of cases) {
    it(`builds a valid ${kind}`, () => {
      applyDefaults(kind, obj);
      applyCreateDefaults(kind, obj);
      expect(validateObject(kind, obj, { namespaced })).toEqual([]);
    });
  }

  it('returns fresh objects', () => {
    const a = buildPod('x');
    a.metadata!.labels = { changed: 'yes' };
    expect(buildPod('x').metadata!.labels).toBeUndefined();
  });
});
