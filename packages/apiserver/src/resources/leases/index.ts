/** coordination.k8s.io/v1 Lease (node heartbeats, leader election; PUT creates). */
import { validateLease, validateLeaseUpdate, type Lease } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { leasePrinter } from './printer.js';

export const leases = defineResource<Lease>({
  type: builtinType('coordination.k8s.io', 'v1', 'leases'),
  strategy: { allowCreateOnUpdate: true },
  validation: {
    create: (lease, { namespaced }) => validateLease(lease, namespaced),
    update: (lease, old) => validateLeaseUpdate(lease, old),
  },
  printer: leasePrinter,
});
