// Builders must produce objects the API server accepts as they are: that is
// their whole contract, so it is checked against the real validation.
import {
  defaultDeployment,
  defaultNode,
  defaultPod,
  defaultReplicaSet,
  defaultService,
  validateDeployment,
  validateNode,
  validatePod,
  validateReplicaSet,
  validateService,
  type FieldError,
} from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { buildDeployment, buildNode, buildPod, buildReplicaSet, buildService } from './builders.js';

function check<T extends object>(obj: T, defaults: (o: T) => void, validate: (o: T) => FieldError[]): FieldError[] {
  defaults(obj);
  return validate(obj);
}

describe('builders', () => {
  // Each builder's object, defaulted and validated as the API server does on create.
  const cases: Array<[string, () => FieldError[]]> = [
    ['Pod', () => check(buildPod('p', { labels: { a: 'b' }, requests: { cpu: '100m' } }), defaultPod, (o) => validatePod(o, true))],
    ['Node', () => check(buildNode('n', { unschedulable: true }), defaultNode, (o) => validateNode(o))],
    ['ReplicaSet', () => check(buildReplicaSet('rs', { replicas: 3 }), defaultReplicaSet, (o) => validateReplicaSet(o, true))],
    ['Deployment', () => check(buildDeployment('d'), defaultDeployment, (o) => validateDeployment(o, true))],
    ['Service', () => check(buildService('s'), defaultService, (o) => validateService(o, true))],
  ];
  for (const [kind, errors] of cases) {
    it(`builds a valid ${kind}`, () => {
      expect(errors()).toEqual([]);
    });
  }

  it('returns fresh objects', () => {
    const a = buildPod('x');
    a.metadata!.labels = { changed: 'yes' };
    expect(buildPod('x').metadata!.labels).toBeUndefined();
  });
});
