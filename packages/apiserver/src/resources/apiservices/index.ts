/**
 * apiregistration.k8s.io/v1 APIService: which server serves a group
 * version. Storing one is all this definition does; the aggregator
 * (../../aggregator/) registers the `Local` ones, keeps their `Available`
 * condition and proxies the requests of service-backed ones.
 */
import { validateAPIService, validateAPIServiceStatus, validateAPIServiceUpdate, type APIService } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { apiServicePrinter } from './printer.js';

export const apiServices = defineResource<APIService>({
  type: builtinType('apiregistration.k8s.io', 'v1', 'apiservices'),
  strategy: { statusSubresource: true },
  // Kubernetes' SetDefaults_ServiceReference.
  defaults(svc) {
    if (svc.spec?.service) svc.spec.service.port ??= 443;
  },
  validation: {
    create: (svc) => validateAPIService(svc),
    update: (svc, old) => validateAPIServiceUpdate(svc, old),
    status: (svc, old) => validateAPIServiceStatus(svc, old),
  },
  printer: apiServicePrinter,
});
