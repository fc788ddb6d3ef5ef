/** `kubectl get leases`: NAME HOLDER AGE; HOLDER is `spec.holderIdentity` or empty. */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const leasePrinter: ResourcePrinter = {
  columns: [nameColumn(), column('Holder', 'string', 'Identity of the current holder of the lease.'), ageColumn()],
  print: (lease, now) => ({
    cells: [str(at(lease, 'metadata', 'name')), str(at(lease, 'spec', 'holderIdentity')), age(at(lease, 'metadata', 'creationTimestamp'), now)],
  }),
};
