/** autoscaling/v2 HorizontalPodAutoscaler, the storage version (also served as autoscaling/v1: v1.ts). */
import {
  defaultHorizontalPodAutoscaler,
  validateHPA,
  validateHPAStatus,
  validateHPAUpdate,
  validateObjectMetaUpdate,
  type HorizontalPodAutoscaler,
} from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { hpaPrinter } from './printer.js';

export const horizontalPodAutoscalers = defineResource<HorizontalPodAutoscaler>({
  type: builtinType('autoscaling', 'v2', 'horizontalpodautoscalers'),
  strategy: { statusSubresource: true, tracksGeneration: true },
  defaults: defaultHorizontalPodAutoscaler,
  validation: {
    create: (hpa, { namespaced }) => validateHPA(hpa, namespaced),
    update: (hpa, old) => validateHPAUpdate(hpa, old),
    status: (hpa, old) => [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateHPAStatus(hpa.status ?? {})],
  },
  printer: hpaPrinter,
});
