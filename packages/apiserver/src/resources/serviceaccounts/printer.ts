/** `kubectl get serviceaccounts`: NAME SECRETS AGE; SECRETS counts `secrets`. */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const serviceAccountPrinter: ResourcePrinter = {
  columns: [nameColumn(), column('Secrets', 'string', 'Number of secrets listed in secrets.'), ageColumn()],
  print: (sa, now) => ({
    cells: [
      str(at(sa, 'metadata', 'name')),
      String(Array.isArray(sa['secrets']) ? sa['secrets'].length : 0),
      age(at(sa, 'metadata', 'creationTimestamp'), now),
    ],
  }),
};
