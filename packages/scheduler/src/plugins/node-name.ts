/**
 * NodeName (filter): a pod that names its node fits only that node. The
 * scheduler never picks up pods with `spec.nodeName`, so this matters only
 * to callers that run the framework on such pods (e.g. a "would it fit"
 * check); it skips itself otherwise.
 */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import type { CycleState, FilterPlugin, PreFilterPlugin } from '../framework/types.js';
import { NODE_NAME } from './names.js';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";
const REJECTED = Status.unresolvable(NODE_NAME, ERR_REASON_NODE_NAME);

export class NodeName implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_NAME;

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.pod.spec?.nodeName ? Status.SUCCESS : Status.SKIP;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const wanted = pod.pod.spec?.nodeName;
    return !wanted || wanted === node.name ? Status.SUCCESS : REJECTED;
  }
}
