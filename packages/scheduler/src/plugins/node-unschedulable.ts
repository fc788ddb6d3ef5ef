/**
 * NodeUnschedulable (filter): a cordoned node (`spec.unschedulable`) takes
 * no new pods, unless the pod tolerates the
 * `node.kubernetes.io/unschedulable:NoSchedule` taint.
 */
import type { Taint } from '@mk8s/api';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import type { CycleState, FilterPlugin } from '../framework/types.js';
import { NODE_UNSCHEDULABLE } from './names.js';
import { tolerationsTolerate } from './tolerations.js';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const REJECTED = Status.unresolvable(NODE_UNSCHEDULABLE, ERR_REASON_UNSCHEDULABLE);

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NODE_UNSCHEDULABLE;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (!node.unschedulable) return Status.SUCCESS;
    return tolerationsTolerate(pod.pod.spec?.tolerations, UNSCHEDULABLE_TAINT) ? Status.SUCCESS : REJECTED;
  }
}
