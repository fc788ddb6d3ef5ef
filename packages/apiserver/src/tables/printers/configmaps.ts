/** `kubectl get configmaps`: NAME DATA AGE; DATA counts `data` plus `binaryData` keys. */
import { ageColumn, column, nameColumn } from '../columns.js';
import { at, size, str } from '../json-fields.js';
import { age } from '../time-cells.js';
import type { ResourcePrinter } from '../types.js';

export const configMapPrinter: ResourcePrinter = {
  columns: [nameColumn(), column('Data', 'string', 'Number of keys in data and binaryData.'), ageColumn()],
  print: (cm, now) => ({
    cells: [str(at(cm, 'metadata', 'name')), size(cm['data']) + size(cm['binaryData']), age(at(cm, 'metadata', 'creationTimestamp'), now)],
  }),
};
