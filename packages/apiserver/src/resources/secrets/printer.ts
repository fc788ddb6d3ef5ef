/** `kubectl get secrets`: NAME TYPE DATA AGE; DATA counts the keys of `data`. */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, size, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const secretPrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'Type of the secret, e.g. Opaque or kubernetes.io/tls.'),
    column('Data', 'string', 'Number of keys in data.'),
    ageColumn(),
  ],
  print: (secret, now) => ({
    cells: [str(at(secret, 'metadata', 'name')), str(secret['type']), size(secret['data']), age(at(secret, 'metadata', 'creationTimestamp'), now)],
  }),
};
