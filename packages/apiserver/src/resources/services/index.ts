/** v1 Service, with the allocator of ClusterIPs and NodePorts and the `proxy` subresource. */
import { defaultService, validateService, validateServiceStatusUpdate, validateServiceUpdate, type Service } from '@mk8s/api';
import { builtinType, defineResource, fieldText } from '../definition.js';
import { prepareServiceUpdate, ServiceAllocator } from './allocator.js';
import { servicePrinter } from './printer.js';
import { serviceProxySubresource } from './proxy.js';

export const services = defineResource<Service>({
  type: builtinType('', 'v1', 'services'),
  strategy: {
    statusSubresource: true,
    prepareForUpdate: prepareServiceUpdate,
    // Kubernetes defaults the body of a /status write too (status.loadBalancer, ingress ipMode); spec is the stored one.
    prepareForStatusUpdate: (svc) => defaultService(svc as Service),
  },
  defaults: defaultService,
  validation: {
    create: (svc, { namespaced }) => validateService(svc, namespaced),
    update: (svc, old) => validateServiceUpdate(svc, old),
    status: (svc, old) => validateServiceStatusUpdate(svc, old),
  },
  fields: {
    labels: ['spec.clusterIP', 'spec.type'],
    of: (svc) => ({ 'spec.clusterIP': fieldText(svc, 'spec', 'clusterIP'), 'spec.type': fieldText(svc, 'spec', 'type') }),
  },
  printer: servicePrinter,
  subresources: { proxy: serviceProxySubresource },
  // An empty range is the default one.
  allocator: (settings) =>
    new ServiceAllocator({
      serviceClusterIPRange: settings.serviceClusterIPRange || undefined,
      serviceNodePortRange: settings.serviceNodePortRange || undefined,
    }),
});
