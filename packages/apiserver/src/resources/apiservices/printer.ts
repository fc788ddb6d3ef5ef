/**
 * `kubectl get apiservices`: NAME SERVICE AVAILABLE AGE. SERVICE is `Local`
 * or `<namespace>/<name>`; AVAILABLE is the `Available` condition's status,
 * with its reason in parentheses unless True, `Unknown` without one.
 */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

type Obj = Record<string, unknown>;

function serviceCell(svc: Obj): string {
  const ref = at(svc, 'spec', 'service') as Obj | undefined;
  return ref ? `${str(ref['namespace'])}/${str(ref['name'])}` : 'Local';
}

function availableCell(svc: Obj): string {
  const conditions = (at(svc, 'status', 'conditions') as Obj[] | undefined) ?? [];
  const available = conditions.find((c) => c['type'] === 'Available');
  if (!available) return 'Unknown';
  const status = str(available['status']);
  if (status === 'True' || !available['reason']) return status;
  return `${status} (${str(available['reason'])})`;
}

export const apiServicePrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    column('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
    column('Available', 'string', 'Whether this service is available.'),
    ageColumn(),
  ],
  print: (svc, now) => ({
    cells: [str(at(svc, 'metadata', 'name')), serviceCell(svc), availableCell(svc), age(at(svc, 'metadata', 'creationTimestamp'), now)],
  }),
};
