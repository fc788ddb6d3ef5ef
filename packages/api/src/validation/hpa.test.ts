import { describe, expect, it } from 'vitest';
import type { FieldError } from '../field-errors.js';
import { validateHPA, validateHPAStatus } from './hpa.js';
import type { JsonObject } from './json.js';

function fields(errs: FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, e.field]);
}

const cpu = (target: JsonObject): JsonObject => ({ type: 'Resource', resource: { name: 'cpu', target } });

function hpa(spec: JsonObject): JsonObject {
  return {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [cpu({ type: 'Utilization', averageUtilization: 50 })],
      ...spec,
    },
  };
}

describe('validateHPA', () => {
  it('accepts valid autoscalers', () => {
    expect(validateHPA(hpa({}))).toEqual([]);
    expect(validateHPA(hpa({ metrics: [cpu({ type: 'AverageValue', averageValue: '500m' })] }))).toEqual([]);
    expect(
      validateHPA(
        hpa({
          metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
        }),
      ),
    ).toEqual([]);
  });

  it.each<[string, JsonObject, [string, string][], string?]>([
    [
      'scaleTargetRef kind and name',
      { scaleTargetRef: {} },
      [
        ['FieldValueRequired', 'spec.scaleTargetRef.kind'],
        ['FieldValueRequired', 'spec.scaleTargetRef.name'],
      ],
    ],
    [
      'scaleTargetRef path segment',
      { scaleTargetRef: { kind: 'Deployment', name: 'a/b' } },
      [['FieldValueInvalid', 'spec.scaleTargetRef.name']],
      "may not contain '/'",
    ],
    ['minReplicas >= 1', { minReplicas: 0 }, [['FieldValueInvalid', 'spec.minReplicas']], 'must be greater than or equal to 1'],
    ['maxReplicas > 0', { maxReplicas: 0, minReplicas: undefined }, [['FieldValueInvalid', 'spec.maxReplicas']], 'must be greater than 0'],
    ['maxReplicas >= minReplicas', { minReplicas: 6 }, [['FieldValueInvalid', 'spec.maxReplicas']], 'must be greater than or equal to `minReplicas`'],
    [
      'metric type enum',
      { metrics: [{ type: 'Magic' }] },
      [['FieldValueNotSupported', 'spec.metrics[0].type']],
      '"ContainerResource", "External", "Object", "Pods", "Resource"',
    ],
    [
      'metric source required',
      { metrics: [{ type: 'Resource' }] },
      [['FieldValueRequired', 'spec.metrics[0].resource']],
      'must populate information for the given metric source',
    ],
    [
      'only the matching source',
      { metrics: [{ ...cpu({ type: 'Utilization', averageUtilization: 50 }), pods: { metric: { name: 'x' } } }] },
      [['FieldValueForbidden', 'spec.metrics[0].pods']],
      'must populate the given metric source only',
    ],
    [
      'target type',
      { metrics: [cpu({ type: 'Percent', averageUtilization: 50 })] },
      [['FieldValueInvalid', 'spec.metrics[0].resource.target.type']],
      'must be either Utilization, Value, or AverageValue',
    ],
    [
      'utilization > 0',
      { metrics: [cpu({ type: 'Utilization', averageUtilization: 0 })] },
      [['FieldValueInvalid', 'spec.metrics[0].resource.target.averageUtilization']],
    ],
    [
      'resource target needed',
      { metrics: [cpu({ type: 'Utilization' })] },
      [['FieldValueRequired', 'spec.metrics[0].resource.target.averageUtilization']],
      'must set either a target raw value or a target utilization',
    ],
    [
      'not both utilization and value',
      { metrics: [cpu({ type: 'Utilization', averageUtilization: 50, averageValue: '1' })] },
      [['FieldValueForbidden', 'spec.metrics[0].resource.target.averageValue']],
    ],
    [
      'positive averageValue',
      { metrics: [cpu({ type: 'AverageValue', averageValue: '0' })] },
      [['FieldValueInvalid', 'spec.metrics[0].resource.target.averageValue']],
      'must be positive',
    ],
    [
      'resource name',
      { metrics: [{ type: 'Resource', resource: { target: { type: 'Utilization', averageUtilization: 5 } } }] },
      [['FieldValueRequired', 'spec.metrics[0].resource.name']],
    ],
    [
      'pods metric needs averageValue',
      { metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'Value', value: '1' } } }] },
      [['FieldValueRequired', 'spec.metrics[0].pods.target.averageValue']],
    ],
    [
      'behavior policies',
      { behavior: { scaleUp: { selectPolicy: 'Any', policies: [{ type: 'Items', value: 0, periodSeconds: 2000 }] } } },
      [
        ['FieldValueNotSupported', 'spec.behavior.scaleUp.selectPolicy'],
        ['FieldValueInvalid', 'spec.behavior.scaleUp.policies[0].type'],
        ['FieldValueInvalid', 'spec.behavior.scaleUp.policies[0].value'],
        ['FieldValueInvalid', 'spec.behavior.scaleUp.policies[0].periodSeconds'],
      ],
    ],
  ])('%s', (_name, spec, expected, fragment) => {
    const errs = validateHPA(hpa(spec));
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });

  it('status replicas are non-negative', () => {
    expect(validateHPAStatus({ currentReplicas: 1, desiredReplicas: 2 })).toEqual([]);
    expect(fields(validateHPAStatus({ currentReplicas: -1 }))).toEqual([['FieldValueInvalid', 'status.currentReplicas']]);
  });
});
