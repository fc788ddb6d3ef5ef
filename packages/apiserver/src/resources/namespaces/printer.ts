/** `kubectl get namespaces`: NAME STATUS AGE (STATUS is the phase, e.g. Active, Terminating). */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const namespacePrinter: ResourcePrinter = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  print: (ns, now) => ({
    cells: [str(at(ns, 'metadata', 'name')), str(at(ns, 'status', 'phase')), age(at(ns, 'metadata', 'creationTimestamp'), now)],
  }),
};
