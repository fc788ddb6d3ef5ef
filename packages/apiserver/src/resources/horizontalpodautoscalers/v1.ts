/**
 * autoscaling/v1 HorizontalPodAutoscaler: the stored autoscaling/v2 objects
 * through Kubernetes' conversion (convert.ts), as Kubernetes serves both
 * versions of one resource. `kubectl autoscale` (1.32) creates HPAs here.
 * Bodies decode against the v1 schema (@mk8s/api's HorizontalPodAutoscalerV1Schema),
 * then convert to v2 for defaulting, validation and storage.
 */
import { builtinType, servedVersion } from '../definition.js';
import { hpaV1ToV2, hpaV2ToV1 } from './convert.js';
import { horizontalPodAutoscalers } from './index.js';

export const horizontalPodAutoscalersV1 = servedVersion(horizontalPodAutoscalers, {
  type: builtinType('autoscaling', 'v1', 'horizontalpodautoscalers'),
  conversion: { toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 },
});
