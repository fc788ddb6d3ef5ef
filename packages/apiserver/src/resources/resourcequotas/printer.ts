/**
 * `kubectl get quota`: NAME AGE REQUEST LIMIT, where REQUEST lists
 * `<resource>: <used>/<hard>` for every tracked resource but `limits.*`,
 * which LIMIT lists (from status, as the resource-quota controller and the
 * admission plugin keep it).
 */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, obj, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const resourceQuotaPrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    ageColumn(),
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  print: (quota, now) => {
    const status = obj(quota['status']);
    const hard = obj(status['hard']);
    const used = obj(status['used']);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const name of Object.keys(hard).sort()) {
      const cell = `${name}: ${str(used[name]) || '0'}/${str(hard[name])}`;
      (name.startsWith('limits') ? limits : requests).push(cell);
    }
    return { cells: [str(at(quota, 'metadata', 'name')), age(at(quota, 'metadata', 'creationTimestamp'), now), requests.join(', '), limits.join(', ')] };
  },
};
