/**
 * `kubectl get` columns of a custom resource: NAME, then the version's
 * `additionalPrinterColumns` (each a JSONPath into the object), or AGE when
 * it declares none, as Kubernetes' CRD table convertor does. A path that
 * finds nothing gives an empty cell (kubectl prints `<none>`).
 */
import type { CustomResourceColumnDefinition } from '@mk8s/api';
import { JSONPath } from 'jsonpath-plus';
import { column, nameColumn } from '../../tables/columns.js';
import type { ResourcePrinter } from '../../tables/types.js';

const AGE: CustomResourceColumnDefinition = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time elapsed since the object was created (metadata.creationTimestamp).',
};

/** A column's cell: the first value its JSONPath finds, in the column's type. */
function cell(col: CustomResourceColumnDefinition, obj: Record<string, unknown>): unknown {
  const path = col.jsonPath.startsWith('$') ? col.jsonPath : `$${col.jsonPath.startsWith('.') || col.jsonPath.startsWith('[') ? '' : '.'}${col.jsonPath}`;
  let found: unknown[];
  try {
    found = JSONPath({ path, json: obj, wrap: true, eval: false }) as unknown[];
  } catch {
    return null;
  }
  const value = found[0];
  if (value === undefined || value === null) return null;
  switch (col.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

export function customResourcePrinter(columns: readonly CustomResourceColumnDefinition[] | undefined): ResourcePrinter {
  const cols = columns && columns.length > 0 ? columns : [AGE];
  return {
    columns: [nameColumn(), ...cols.map((c) => column(c.name, c.type, c.description ?? '', { format: c.format ?? '', priority: c.priority ?? 0 }))],
    print: (obj) => ({
      cells: [String(((obj['metadata'] ?? {}) as Record<string, unknown>)['name'] ?? ''), ...cols.map((c) => cell(c, obj))],
    }),
  };
}
