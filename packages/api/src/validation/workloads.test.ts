import { describe, expect, it } from 'vitest';
import type { FieldError } from '../field-errors.js';
import { validateDeployment, validateDeploymentStatus, validateDeploymentUpdate } from './deployment.js';
import type { JsonObject } from './json.js';
import { validateReplicaSet, validateReplicaSetStatus, validateReplicaSetUpdate } from './replica-set.js';

function fields(errs: FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, e.field]);
}

function workload(kind: string, spec: JsonObject = {}): JsonObject {
  return {
    kind,
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'front' } },
        spec: { containers: [{ name: 'app', image: 'busybox' }], restartPolicy: 'Always' },
      },
      ...spec,
    },
  };
}

describe.each([
  ['ReplicaSet', validateReplicaSet],
  ['Deployment', validateDeployment],
])('%s shared rules', (kind, validate) => {
  it('accepts a valid object', () => {
    expect(validate(workload(kind))).toEqual([]);
    expect(validate(workload(kind, { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } }))).toEqual([]);
  });

  it.each<[string, JsonObject, [string, string][], string?]>([
    ['selector required', { selector: undefined }, [['FieldValueRequired', 'spec.selector']]],
    ['empty selector', { selector: {} }, [['FieldValueInvalid', 'spec.selector']], 'empty selector is invalid for deployment'],
    [
      'selector must match template labels',
      { selector: { matchLabels: { app: 'db' } } },
      [['FieldValueInvalid', 'spec.template.metadata.labels']],
      '`selector` does not match template `labels`',
    ],
    ['negative replicas', { replicas: -1 }, [['FieldValueInvalid', 'spec.replicas']], 'must be greater than or equal to 0'],
    [
      'bad selector operator',
      { selector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] } },
      [
        ['FieldValueInvalid', 'spec.selector.matchExpressions[0].operator'],
        ['FieldValueInvalid', 'spec.selector'],
      ],
      'not a valid selector operator',
    ],
    [
      'In without values',
      { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } },
      [
        ['FieldValueRequired', 'spec.selector.matchExpressions[0].values'],
        ['FieldValueInvalid', 'spec.selector'],
      ],
      "must be specified when `operator` is 'In' or 'NotIn'",
    ],
    [
      'Exists with values',
      { selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] } },
      [
        ['FieldValueForbidden', 'spec.selector.matchExpressions[0].values'],
        ['FieldValueInvalid', 'spec.selector'],
      ],
    ],
    [
      'restartPolicy must be Always',
      {
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'busybox' }], restartPolicy: 'OnFailure' },
        },
      },
      [['FieldValueNotSupported', 'spec.template.spec.restartPolicy']],
      'supported values: "Always"',
    ],
    [
      'activeDeadlineSeconds not supported',
      {
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'busybox' }], activeDeadlineSeconds: 5 },
        },
      },
      [['FieldValueInvalid', 'spec.template.spec.activeDeadlineSeconds']],
      'activeDeadlineSeconds in ReplicaSet is not Supported',
    ],
    [
      'template pod spec is validated',
      { template: { metadata: { labels: { app: 'web', 'bad key': 'x' } }, spec: { containers: [] } } },
      [
        ['FieldValueInvalid', 'spec.template.labels'],
        ['FieldValueRequired', 'spec.template.spec.containers'],
      ],
    ],
    ['template required', { template: undefined }, [['FieldValueRequired', 'spec.template']]],
  ])('%s', (_name, spec, expected, fragment) => {
    const errs = validate(workload(kind, spec));
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });
});

describe('Deployment strategy and limits', () => {
  it.each<[string, JsonObject, [string, string][], string?]>([
    [
      'Recreate with rollingUpdate',
      { strategy: { type: 'Recreate', rollingUpdate: {} } },
      [['FieldValueForbidden', 'spec.strategy.rollingUpdate']],
      "may not be specified when strategy `type` is 'Recreate'",
    ],
    [
      'both zero',
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } },
      [['FieldValueInvalid', 'spec.strategy.rollingUpdate.maxUnavailable']],
      'may not be 0 when `maxSurge` is 0',
    ],
    [
      'maxUnavailable over 100%',
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '150%' } } },
      [['FieldValueInvalid', 'spec.strategy.rollingUpdate.maxUnavailable']],
      'must not be greater than 100%',
    ],
    [
      'negative maxSurge',
      { strategy: { rollingUpdate: { maxSurge: -1, maxUnavailable: 1 } } },
      [['FieldValueInvalid', 'spec.strategy.rollingUpdate.maxSurge']],
    ],
    [
      'bad percent',
      { strategy: { rollingUpdate: { maxSurge: '10', maxUnavailable: 1 } } },
      [['FieldValueInvalid', 'spec.strategy.rollingUpdate.maxSurge']],
      'a valid percent string',
    ],
    ['strategy type enum', { strategy: { type: 'BlueGreen' } }, [['FieldValueNotSupported', 'spec.strategy']]],
    ['revisionHistoryLimit', { revisionHistoryLimit: -1 }, [['FieldValueInvalid', 'spec.revisionHistoryLimit']]],
    [
      'progressDeadlineSeconds > minReadySeconds',
      { minReadySeconds: 10, progressDeadlineSeconds: 10 },
      [['FieldValueInvalid', 'spec.progressDeadlineSeconds']],
      'must be greater than minReadySeconds',
    ],
    [
      'progressDeadlineSeconds positive',
      { progressDeadlineSeconds: 0 },
      [
        ['FieldValueInvalid', 'spec.progressDeadlineSeconds'],
        ['FieldValueInvalid', 'spec.progressDeadlineSeconds'],
      ],
    ],
  ])('%s', (_name, spec, expected, fragment) => {
    const errs = validateDeployment(workload('Deployment', spec));
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });

  it('accepts the usual strategies', () => {
    expect(
      validateDeployment(workload('Deployment', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } })),
    ).toEqual([]);
    expect(validateDeployment(workload('Deployment', { strategy: { type: 'Recreate' }, progressDeadlineSeconds: 600 }))).toEqual([]);
  });
});

describe('updates and status', () => {
  it('selector is immutable', () => {
    const old = workload('Deployment');
    const changed = workload('Deployment', { selector: { matchLabels: { app: 'web', tier: 'front' } } });
    expect(validateDeploymentUpdate(workload('Deployment', { replicas: 5 }), old)).toEqual([]);
    const errs = validateDeploymentUpdate(changed, old);
    expect(fields(errs)).toEqual([['FieldValueInvalid', 'spec.selector']]);
    expect(errs[0]?.message).toMatch(/field is immutable$/);
    expect(fields(validateReplicaSetUpdate(changed, old))).toEqual([['FieldValueInvalid', 'spec.selector']]);
  });

  it('status counters', () => {
    expect(validateReplicaSetStatus({ replicas: 3, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 3 })).toEqual([]);
    expect(fields(validateReplicaSetStatus({ replicas: 1, readyReplicas: 2, availableReplicas: 3 }))).toEqual([
      ['FieldValueInvalid', 'status.readyReplicas'],
      ['FieldValueInvalid', 'status.availableReplicas'],
      ['FieldValueInvalid', 'status.availableReplicas'],
    ]);
    // Zero counters exceed a negative replicas as well, as in Kubernetes.
    expect(fields(validateDeploymentStatus({ replicas: -1 }))[0]).toEqual(['FieldValueInvalid', 'status.replicas']);
    expect(validateDeploymentStatus({ replicas: 2, updatedReplicas: 3 })[0]?.message).toBe('Invalid value: 3: cannot be greater than status.replicas');
  });
});
