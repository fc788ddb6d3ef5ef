/** v1 Endpoints (written by the endpoints controller; PUT creates). */
import { defaultEndpoints, validateEndpoints, validateEndpointsUpdate, type Endpoints } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { endpointsPrinter } from './printer.js';

export const endpoints = defineResource<Endpoints>({
  type: builtinType('', 'v1', 'endpoints'),
  strategy: { allowCreateOnUpdate: true },
  defaults: defaultEndpoints,
  validation: {
    create: (ep, { namespaced }) => validateEndpoints(ep, namespaced),
    update: (ep, old) => validateEndpointsUpdate(ep, old),
  },
  printer: endpointsPrinter,
});
