/**
 * The in-tree plugins by name, and the default profile (which plugins run
 * at each extension point, in order, with Kubernetes' default weights).
 */
import type { PluginFactory } from '../framework/types.js';
import { BalancedAllocation, type BalancedAllocationArgs } from './balanced-allocation.js';
import * as names from './names.js';
import { NodeAffinity } from './node-affinity.js';
import { NodeName } from './node-name.js';
import { NodePorts } from './node-ports.js';
import { NodeReady } from './node-ready.js';
import { NodeResourcesFit, type NodeResourcesFitArgs } from './node-resources-fit.js';
import { NodeUnschedulable } from './node-unschedulable.js';
import { SelectorSpread } from './selector-spread.js';
import { TaintToleration } from './taint-toleration.js';

export const IN_TREE_PLUGINS: Readonly<Record<string, PluginFactory>> = {
  [names.NODE_UNSCHEDULABLE]: () => new NodeUnschedulable(),
  [names.NODE_NAME]: () => new NodeName(),
  [names.NODE_READY]: () => new NodeReady(),
  [names.NODE_AFFINITY]: () => new NodeAffinity(),
  [names.TAINT_TOLERATION]: () => new TaintToleration(),
  [names.NODE_PORTS]: () => new NodePorts(),
  [names.NODE_RESOURCES_FIT]: (args) => new NodeResourcesFit(args as NodeResourcesFitArgs),
  [names.NODE_RESOURCES_BALANCED_ALLOCATION]: (args) => new BalancedAllocation(args as BalancedAllocationArgs),
  [names.SELECTOR_SPREAD]: () => new SelectorSpread(),
};

/** Filter plugins of the default profile, in the order they run (cheap and decisive first). */
export const DEFAULT_FILTER_PLUGINS: readonly string[] = [
  names.NODE_UNSCHEDULABLE,
  names.NODE_NAME,
  names.NODE_READY,
  names.TAINT_TOLERATION,
  names.NODE_AFFINITY,
  names.NODE_PORTS,
  names.NODE_RESOURCES_FIT,
];

/** Score plugins of the default profile with their weights (Kubernetes' defaults). */
export const DEFAULT_SCORE_PLUGINS: ReadonlyArray<{ name: string; weight: number }> = [
  { name: names.TAINT_TOLERATION, weight: 3 },
  { name: names.NODE_AFFINITY, weight: 2 },
  { name: names.SELECTOR_SPREAD, weight: 2 },
  { name: names.NODE_RESOURCES_FIT, weight: 1 },
  { name: names.NODE_RESOURCES_BALANCED_ALLOCATION, weight: 1 },
];
