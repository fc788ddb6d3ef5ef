/**
 * `kubectl get replicasets`: NAME DESIRED CURRENT READY AGE, wide: CONTAINERS
 * IMAGES SELECTOR. DESIRED is `spec.replicas` (defaulted to 1).
 */
import { ageColumn, column, containerCells, containersColumn, imagesColumn, nameColumn } from '../../tables/columns.js';
import { formatLabelSelector } from '../../tables/label-selector.js';
import { at, int, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const replicaSetPrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Number of desired pods (spec.replicas).'),
    column('Current', 'integer', 'Number of pods the controller has created (status.replicas).'),
    column('Ready', 'integer', 'Number of ready pods (status.readyReplicas).'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', 'Label query over the pods the replica set owns.', { priority: 1 }),
  ],
  print(rs, now) {
    const { names, images } = containerCells(at(rs, 'spec', 'template', 'spec', 'containers'));
    return {
      cells: [
        str(at(rs, 'metadata', 'name')),
        int(at(rs, 'spec', 'replicas'), 1),
        int(at(rs, 'status', 'replicas')),
        int(at(rs, 'status', 'readyReplicas')),
        age(at(rs, 'metadata', 'creationTimestamp'), now),
        names,
        images,
        formatLabelSelector(at(rs, 'spec', 'selector')),
      ],
    };
  },
};
