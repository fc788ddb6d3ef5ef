/** `kubectl get rolebindings|clusterrolebindings`: NAME ROLE AGE; ROLE is `<kind>/<name>` of the roleRef. */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const roleBindingPrinter: ResourcePrinter = {
  columns: [nameColumn(), column('Role', 'string', 'Role is the role the binding grants: <kind>/<name> of roleRef.'), ageColumn()],
  print: (binding, now) => ({
    cells: [
      str(at(binding, 'metadata', 'name')),
      `${str(at(binding, 'roleRef', 'kind'))}/${str(at(binding, 'roleRef', 'name'))}`,
      age(at(binding, 'metadata', 'creationTimestamp'), now),
    ],
  }),
};
