/**
 * `kubectl get horizontalpodautoscalers` (autoscaling/v2): NAME REFERENCE
 * TARGETS MINPODS MAXPODS REPLICAS AGE. REFERENCE is "<kind>/<name>" of the
 * scale target. TARGETS renders each metric as "current/target", pairing
 * `spec.metrics[i]` with `status.currentMetrics[i]` (current is "<unknown>"
 * until measured): resource metrics as "cpu: 20%/50%" (utilization, target
 * "<auto>" when unset) or "memory: 100Mi/200Mi" (average value); pods
 * metrics as "1k/2k"; object and external metrics as "v/t", with " (avg)"
 * when the target is an average value. At most two are shown, then
 * " + N more..."; "<none>" when there are no metrics.
 */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, int, isObject, objects, str, quantity } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { JsonObject } from '../../tables/json-fields.js';
import type { ResourcePrinter } from '../../tables/types.js';

const SHOWN = 2;
const UNKNOWN = '<unknown>';

export const hpaPrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    column('Reference', 'string', 'The scaled object (spec.scaleTargetRef).'),
    column('Targets', 'string', 'Current and target values of the metrics the autoscaler follows.'),
    column('MinPods', 'string', 'Lower limit of replicas (spec.minReplicas).'),
    column('MaxPods', 'string', 'Upper limit of replicas (spec.maxReplicas).'),
    column('Replicas', 'string', 'Current number of replicas (status.currentReplicas).'),
    ageColumn(),
  ],
  print(hpa, now) {
    const spec = at(hpa, 'spec');
    const minReplicas = at(spec, 'minReplicas');
    return {
      cells: [
        str(at(hpa, 'metadata', 'name')),
        `${str(at(spec, 'scaleTargetRef', 'kind'))}/${str(at(spec, 'scaleTargetRef', 'name'))}`,
        formatMetrics(objects(at(spec, 'metrics')), at(hpa, 'status', 'currentMetrics')),
        typeof minReplicas === 'number' ? String(Math.trunc(minReplicas)) : '<unset>',
        int(at(spec, 'maxReplicas')),
        int(at(hpa, 'status', 'currentReplicas')),
        age(at(hpa, 'metadata', 'creationTimestamp'), now),
      ],
    };
  },
};

function formatMetrics(specs: JsonObject[], statusesValue: unknown): string {
  if (specs.length === 0) {
    return '<none>';
  }
  // Index-aligned with the specs; a non-object entry counts as "not measured".
  const statuses = Array.isArray(statusesValue) ? statusesValue : [];
  const rendered = specs.map((spec, i) => formatMetric(spec, statuses[i]));
  const text = rendered.slice(0, SHOWN).join(', ');
  return rendered.length > SHOWN ? `${text} + ${rendered.length - SHOWN} more...` : text;
}

function formatMetric(spec: JsonObject, status: unknown): string {
  switch (spec['type']) {
    case 'Resource':
      return resourceMetric(at(spec, 'resource'), at(status, 'resource'));
    case 'ContainerResource':
      return resourceMetric(at(spec, 'containerResource'), at(status, 'containerResource'));
    case 'Pods': {
      const current = quantityOr(at(status, 'pods', 'current', 'averageValue'), isObject(at(status, 'pods')));
      return `${current}/${quantity(at(spec, 'pods', 'target', 'averageValue')) ?? '0'}`;
    }
    case 'Object':
      return valueOrAverage(at(spec, 'object'), at(status, 'object'));
    case 'External':
      return valueOrAverage(at(spec, 'external'), at(status, 'external'));
    default:
      return '<unknown type>';
  }
}

function resourceMetric(source: unknown, status: unknown): string {
  const name = str(at(source, 'name'));
  const targetAverage = quantity(at(source, 'target', 'averageValue'));
  if (targetAverage !== undefined) {
    const current = quantityOr(at(status, 'current', 'averageValue'), isObject(status));
    return `${name}: ${current}/${targetAverage}`;
  }
  const currentUtilization = at(status, 'current', 'averageUtilization');
  const targetUtilization = at(source, 'target', 'averageUtilization');
  const current = typeof currentUtilization === 'number' ? `${Math.trunc(currentUtilization)}%` : UNKNOWN;
  const target = typeof targetUtilization === 'number' ? `${Math.trunc(targetUtilization)}%` : '<auto>';
  return `${name}: ${current}/${target}`;
}

/** Object and External metrics: an average-value target gets " (avg)". */
function valueOrAverage(source: unknown, status: unknown): string {
  const targetAverage = quantity(at(source, 'target', 'averageValue'));
  if (targetAverage !== undefined) {
    const current = quantity(at(status, 'current', 'averageValue')) ?? UNKNOWN;
    return `${current}/${targetAverage} (avg)`;
  }
  const current = quantityOr(at(status, 'current', 'value'), isObject(status));
  return `${current}/${quantity(at(source, 'target', 'value')) ?? '0'}`;
}

/**
 * A measured quantity. Kubernetes prints a present status's missing quantity
 * as its zero value "0", and an absent status as "<unknown>".
 */
function quantityOr(value: unknown, measured: boolean): string {
  return quantity(value) ?? (measured ? '0' : UNKNOWN);
}
