/** v1 Pod: the definition the generic machinery serves pods from (see ../definition.ts). */
import { defaultPod, validatePod, validatePodStatusUpdate, validatePodUpdate, type Pod } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { podFields } from './fields.js';
import { podPrinter } from './printer.js';
import { podStrategy } from './strategy.js';
import { podSubresources } from './subresources.js';

export const pods = defineResource<Pod>({
  type: builtinType('', 'v1', 'pods'),
  strategy: podStrategy,
  defaults: defaultPod,
  validation: {
    create: (pod, { namespaced }) => validatePod(pod, namespaced),
    update: (pod, old) => validatePodUpdate(pod, old),
    status: (pod, old) => validatePodStatusUpdate(pod, old),
  },
  fields: podFields,
  printer: podPrinter,
  subresources: podSubresources,
});
