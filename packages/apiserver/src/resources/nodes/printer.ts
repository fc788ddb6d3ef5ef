/**
 * `kubectl get nodes`: NAME STATUS ROLES AGE VERSION, wide: INTERNAL-IP
 * EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME. STATUS is "Ready",
 * "NotReady" or "Unknown" (no Ready condition), with ",SchedulingDisabled"
 * for a cordoned node. ROLES come from `node-role.kubernetes.io/<role>`
 * labels and the legacy `kubernetes.io/role=<role>` label, sorted.
 */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { compareStrings } from '../../tables/label-selector.js';
import { at, objects, obj, str, stringMap } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { JsonObject } from '../../tables/json-fields.js';
import type { PrintedRow, ResourcePrinter } from '../../tables/types.js';

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

export const nodePrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet version reported by the node.'),
    column('Internal-IP', 'string', 'First InternalIP address of the node.', { priority: 1 }),
    column('External-IP', 'string', 'First ExternalIP address of the node.', { priority: 1 }),
    column('OS-Image', 'string', 'OS image reported by the node.', { priority: 1 }),
    column('Kernel-Version', 'string', 'Kernel version reported by the node.', { priority: 1 }),
    column('Container-Runtime', 'string', 'Container runtime name and version reported by the node.', { priority: 1 }),
  ],
  print(node: JsonObject, now: number): PrintedRow {
    const status = obj(node['status']);
    const nodeInfo = obj(status['nodeInfo']);
    const cells: unknown[] = [
      str(at(node, 'metadata', 'name')),
      nodeStatus(node),
      nodeRoles(node).join(',') || '<none>',
      age(at(node, 'metadata', 'creationTimestamp'), now),
      str(nodeInfo['kubeletVersion']),
      address(status, 'InternalIP'),
      address(status, 'ExternalIP'),
      str(nodeInfo['osImage']) || '<unknown>',
      str(nodeInfo['kernelVersion']) || '<unknown>',
      str(nodeInfo['containerRuntimeVersion']) || '<unknown>',
    ];
    return { cells };
  },
};

function nodeStatus(node: JsonObject): string {
  const parts: string[] = [];
  // Only the Ready condition counts; the last one of that type wins.
  const ready = objects(at(node, 'status', 'conditions'))
    .filter((c) => c['type'] === 'Ready')
    .at(-1);
  if (ready === undefined) {
    parts.push('Unknown');
  } else {
    parts.push(ready['status'] === 'True' ? 'Ready' : 'NotReady');
  }
  if (at(node, 'spec', 'unschedulable') === true) {
    parts.push('SchedulingDisabled');
  }
  return parts.join(',');
}

function nodeRoles(node: JsonObject): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(stringMap(at(node, 'metadata', 'labels')))) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role !== '') {
        roles.add(role);
      }
    } else if (key === LEGACY_ROLE_LABEL && value !== '') {
      roles.add(value);
    }
  }
  return [...roles].sort(compareStrings);
}

function address(status: JsonObject, type: string): string {
  const match = objects(status['addresses']).find((a) => a['type'] === type);
  return match === undefined ? '<none>' : str(match['address']);
}
