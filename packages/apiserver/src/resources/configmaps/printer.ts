/** `kubectl get configmaps`: NAME DATA AGE; DATA counts `data` plus `binaryData` keys. */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, size, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const configMapPrinter: ResourcePrinter = {
  columns: [nameColumn(), column('Data', 'string', 'Number of keys in data and binaryData.'), ageColumn()],
  print: (cm, now) => ({
    cells: [str(at(cm, 'metadata', 'name')), size(cm['data']) + size(cm['binaryData']), age(at(cm, 'metadata', 'creationTimestamp'), now)],
  }),
};
