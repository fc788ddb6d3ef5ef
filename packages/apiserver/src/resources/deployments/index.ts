/** apps/v1 Deployment, with the `scale` subresource. */
import {
  defaultDeployment,
  validateDeployment,
  validateDeploymentStatus,
  validateDeploymentUpdate,
  validateObjectMetaUpdate,
  type Deployment,
} from '@mk8s/api';
import { scaleSubresource } from '../../http/scale.js';
import { builtinType, defineResource } from '../definition.js';
import { deploymentPrinter } from './printer.js';

export const deployments = defineResource<Deployment>({
  type: builtinType('apps', 'v1', 'deployments'),
  strategy: { statusSubresource: true, tracksGeneration: true },
  defaults: defaultDeployment,
  validation: {
    create: (d, { namespaced }) => validateDeployment(d, namespaced),
    update: (d, old) => validateDeploymentUpdate(d, old),
    status: (d, old) => [...validateObjectMetaUpdate(d.metadata, old.metadata), ...validateDeploymentStatus(d.status ?? {})],
  },
  printer: deploymentPrinter,
  subresources: { scale: scaleSubresource },
});
