import { describe, expect, it } from 'vitest';
import { MINUTE, NOW, ago } from '../../testing/test-clock.js';
import { hpaPrinter } from './printer.js';

type Obj = Record<string, unknown>;

function hpa(metrics: Obj[] | undefined, currentMetrics: Obj[] | undefined, extra: Obj = {}): Obj {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', creationTimestamp: ago(4 * MINUTE) },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics, ...extra },
    status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics },
  };
}

const cpu50 = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };

describe('hpaPrinter', () => {
  it('declares Kubernetes HPA columns', () => {
    expect(hpaPrinter.columns.map((c) => c.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  });

  it('prints a CPU utilization target as 1.32 does', () => {
    const current = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 20, averageValue: '100m' } } }];
    expect(hpaPrinter.print(hpa([cpu50], current), NOW).cells).toEqual(['web', 'Deployment/web', 'cpu: 20%/50%', '1', 10, 3, '4m']);
  });

  it('prints <unknown> before the first measurement and <none> without metrics', () => {
    expect(hpaPrinter.print(hpa([cpu50], undefined), NOW).cells[2]).toBe('cpu: <unknown>/50%');
    expect(hpaPrinter.print(hpa(undefined, undefined), NOW).cells[2]).toBe('<none>');
  });

  it('prints average-value, pods, object and external metrics, two at most', () => {
    const specs = [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
      { type: 'Object', object: { metric: { name: 'hits' }, target: { type: 'Value', value: '10' } } },
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
    ];
    const statuses = [
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '150Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'rps' }, current: { averageValue: '500' } } },
    ];
    expect(hpaPrinter.print(hpa(specs, statuses), NOW).cells[2]).toBe('memory: 150Mi/200Mi, 500/1k + 2 more...');
    expect(hpaPrinter.print(hpa(specs.slice(2), []), NOW).cells[2]).toBe('<unknown>/10, <unknown>/30 (avg)');
  });

  it('prints <auto>, <unknown type> and <unset> where Kubernetes does', () => {
    const specs = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }, { type: 'Mystery' }];
    const cells = hpaPrinter.print(hpa(specs, [], { minReplicas: undefined }), NOW).cells;
    expect(cells[2]).toBe('cpu: <unknown>/<auto>, <unknown type>');
    expect(cells[3]).toBe('<unset>');
  });
});
