/** v1 Namespace. */
import {
  defaultNamespace,
  defaultNamespaceOnCreate,
  validateNamespace,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
  type Namespace,
} from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { finalizeSubresource } from './finalize.js';
import { namespacePrinter } from './printer.js';
import { namespaceStrategy } from './strategy.js';

export const namespaces = defineResource<Namespace>({
  type: builtinType('', 'v1', 'namespaces'),
  strategy: namespaceStrategy,
  defaults: defaultNamespace,
  createDefaults: defaultNamespaceOnCreate,
  validation: {
    create: (ns) => validateNamespace(ns),
    update: (ns, old) => validateNamespaceUpdate(ns, old),
    status: (ns, old) => validateNamespaceStatusUpdate(ns, old),
  },
  fields: {
    labels: ['status.phase'],
    of: (ns) => ({ 'status.phase': ns.status?.phase ?? '' }),
  },
  printer: namespacePrinter,
  subresources: { finalize: finalizeSubresource },
  // Kubernetes serves no deletecollection on namespaces: one request must not empty a cluster.
  deleteCollection: false,
});
