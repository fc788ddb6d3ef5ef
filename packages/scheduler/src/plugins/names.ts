/** Plugin names, as they appear in the configuration file and in Statuses. */
export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const NODE_NAME = 'NodeName';
export const NODE_READY = 'NodeReady';
export const NODE_AFFINITY = 'NodeAffinity';
export const TAINT_TOLERATION = 'TaintToleration';
export const NODE_PORTS = 'NodePorts';
export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';
export const SELECTOR_SPREAD = 'SelectorSpread';
