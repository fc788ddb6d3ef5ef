// The request sequence is a pure function of the seed (what makes findings reproducible),
// and every request goes to the server under test by path only.
import { describe, expect, it } from 'vitest';
import { BATCH, requestAt, sampleBatch } from './campaign.js';
import type { ServedResource } from './discovery.js';
import { requestArbitrary, SYSTEM_NAMESPACES } from './generators.js';

const r = (group: string, version: string, resource: string, kind: string, namespaced: boolean, sub?: string): ServedResource => ({
  group,
  version,
  resource,
  sub,
  kind,
  namespaced,
  verbs: sub ? ['get', 'patch', 'update'] : ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  apiVersion: group ? `${group}/${version}` : version,
});

const resources = [
  r('', 'v1', 'namespaces', 'Namespace', false),
  r('', 'v1', 'configmaps', 'ConfigMap', true),
  r('', 'v1', 'pods', 'Pod', true),
  r('', 'v1', 'pods', 'Pod', true, 'status'),
  r('', 'v1', 'pods', 'Pod', true, 'log'),
  r('apps', 'v1', 'deployments', 'Deployment', true),
  r('apps', 'v1', 'deployments', 'Scale', true, 'scale'),
];

describe('request generation', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const arb = requestArbitrary({ resources });
    const a = sampleBatch(arb, 42, 3);
    expect(sampleBatch(arb, 42, 3)).toEqual(a);
    expect(sampleBatch(arb, 43, 3)).not.toEqual(a);
    expect(requestAt({ resources }, 42, 3 * BATCH + 7)).toEqual(a[7]);
  });

  it('never calls proxying subresources, and deletes system namespaces only in the system-ns class', () => {
    const arb = requestArbitrary({ resources });
    for (let b = 0; b < 25; b++) {
      for (const q of sampleBatch(arb, 7, b)) {
        expect(q.target).not.toMatch(/\/log(\?|$)/);
        if (
          q.method === 'DELETE' &&
          SYSTEM_NAMESPACES.some((ns) => q.target.startsWith(`/api/v1/namespaces/${ns}`) && !q.target.includes('/', `/api/v1/namespaces/${ns}`.length))
        ) {
          expect(q.klass).toBe('protocol.system-ns');
        }
        expect(q.klass).toMatch(/^(mutate|crud|protocol)\./);
      }
    }
  });
});
