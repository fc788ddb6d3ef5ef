/**
 * NodePorts (filter): a pod's `hostPort`s must be free on the node: no pod
 * there uses the same protocol and port on the same host IP (0.0.0.0
 * conflicts with every IP). Skips pods without host ports.
 */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import type { CycleState, FilterPlugin, PreFilterPlugin } from '../framework/types.js';
import { NODE_PORTS } from './names.js';

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const REJECTED = Status.unschedulable(NODE_PORTS, ERR_REASON_PORTS);

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_PORTS;

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.hostPorts.length > 0 ? Status.SUCCESS : Status.SKIP;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    for (const hp of pod.hostPorts) if (node.portInUse(hp)) return REJECTED;
    return Status.SUCCESS;
  }
}
