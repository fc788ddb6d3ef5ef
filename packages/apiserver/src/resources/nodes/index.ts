/** v1 Node (cluster-scoped; a kubelet registers it with its status). */
import { defaultNode, validateNode, validateNodeUpdate, type Node } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { nodePrinter } from './printer.js';

export const nodes = defineResource<Node>({
  type: builtinType('', 'v1', 'nodes'),
  // A kubelet creates its Node with the status it observed.
  strategy: { statusSubresource: true, keepStatusOnCreate: true },
  defaults: defaultNode,
  validation: {
    create: (node) => validateNode(node),
    update: (node, old) => validateNodeUpdate(node, old),
    status: (node, old) => [...validateNodeUpdate(node, old), ...validateNode(node)],
  },
  fields: {
    labels: ['spec.unschedulable'],
    of: (node) => ({ 'spec.unschedulable': node.spec?.unschedulable === true ? 'true' : 'false' }),
  },
  printer: nodePrinter,
});
