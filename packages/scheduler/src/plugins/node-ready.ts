/**
 * NodeReady (filter, mk8s): only nodes whose `Ready` condition is `True`
 * take new pods. Kubernetes gets the same effect from the
 * `node.kubernetes.io/not-ready` taint that its node-lifecycle controller
 * adds; here the scheduler checks the condition itself, so a cluster
 * without that controller still avoids dead nodes. A pod that tolerates
 * the not-ready taint (as DaemonSet pods do) is let through.
 */
import type { Taint } from '@mk8s/api';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import type { CycleState, FilterPlugin } from '../framework/types.js';
import { NODE_READY } from './names.js';
import { tolerationsTolerate } from './tolerations.js';

export const ERR_REASON_NOT_READY = 'node(s) were not ready';
const NOT_READY_TAINT: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
const REJECTED = Status.unresolvable(NODE_READY, ERR_REASON_NOT_READY);

export class NodeReady implements FilterPlugin {
  readonly name = NODE_READY;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.ready) return Status.SUCCESS;
    return tolerationsTolerate(pod.pod.spec?.tolerations, NOT_READY_TAINT) ? Status.SUCCESS : REJECTED;
  }
}
