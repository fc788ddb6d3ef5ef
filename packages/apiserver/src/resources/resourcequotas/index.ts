/** v1 ResourceQuota (status written by the resource quota controller). */
import type { ResourceQuota } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { resourceQuotaPrinter } from './printer.js';

export const resourceQuotas = defineResource<ResourceQuota>({
  type: builtinType('', 'v1', 'resourcequotas'),
  strategy: { statusSubresource: true },
  printer: resourceQuotaPrinter,
});
