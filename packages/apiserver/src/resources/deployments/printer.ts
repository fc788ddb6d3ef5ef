/**
 * `kubectl get deployments`: NAME READY UP-TO-DATE AVAILABLE AGE, wide:
 * CONTAINERS IMAGES SELECTOR. READY is "<readyReplicas>/<spec.replicas>"
 * (replicas defaulted to 1); SELECTOR is empty for an empty selector and
 * "<invalid>" for a malformed one, as Kubernetes prints deployments.
 */
import { ageColumn, column, containerCells, containersColumn, imagesColumn, nameColumn } from '../../tables/columns.js';
import { selectorString } from '../../tables/label-selector.js';
import { at, int, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

export const deploymentPrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Number of pods that run the current pod template (status.updatedReplicas).'),
    column('Available', 'string', 'Number of pods available to serve (status.availableReplicas).'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', 'Label query over the pods the deployment manages.', { priority: 1 }),
  ],
  print(deployment, now) {
    const { names, images } = containerCells(at(deployment, 'spec', 'template', 'spec', 'containers'));
    return {
      cells: [
        str(at(deployment, 'metadata', 'name')),
        `${int(at(deployment, 'status', 'readyReplicas'))}/${int(at(deployment, 'spec', 'replicas'), 1)}`,
        int(at(deployment, 'status', 'updatedReplicas')),
        int(at(deployment, 'status', 'availableReplicas')),
        age(at(deployment, 'metadata', 'creationTimestamp'), now),
        names,
        images,
        selectorString(at(deployment, 'spec', 'selector')) ?? '<invalid>',
      ],
    };
  },
};
