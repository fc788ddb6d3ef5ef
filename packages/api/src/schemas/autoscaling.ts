/** autoscaling/v2 HorizontalPodAutoscaler and the autoscaling/v1 Scale subresource. */
import type { Static } from '@sinclair/typebox';
import { LabelSelectorSchema, ObjectMetaSchema } from './meta.js';
import { atomicList, def, int32, int64, mapList, opt, quantity, str, time, typeMeta } from './schema-kit.js';

const V2 = 'io.k8s.api.autoscaling.v2.';
const V1 = 'io.k8s.api.autoscaling.v1.';

export const CrossVersionObjectReferenceSchema = def(`${V2}CrossVersionObjectReference`, {
  kind: str(),
  name: str(),
  apiVersion: opt(str()),
});
export type CrossVersionObjectReference = Static<typeof CrossVersionObjectReferenceSchema>;

export const MetricIdentifierSchema = def(`${V2}MetricIdentifier`, { name: str(), selector: opt(LabelSelectorSchema) });
export type MetricIdentifier = Static<typeof MetricIdentifierSchema>;

export const MetricTargetSchema = def(`${V2}MetricTarget`, {
  type: str(),
  value: opt(quantity()),
  averageValue: opt(quantity()),
  averageUtilization: opt(int32()),
});
export type MetricTarget = Static<typeof MetricTargetSchema>;

export const MetricValueStatusSchema = def(`${V2}MetricValueStatus`, {
  value: opt(quantity()),
  averageValue: opt(quantity()),
  averageUtilization: opt(int32()),
});
export type MetricValueStatus = Static<typeof MetricValueStatusSchema>;

export const MetricSpecSchema = def(`${V2}MetricSpec`, {
  type: str(),
  object: opt(
    def(`${V2}ObjectMetricSource`, {
      describedObject: CrossVersionObjectReferenceSchema,
      target: MetricTargetSchema,
      metric: MetricIdentifierSchema,
    }),
  ),
  pods: opt(def(`${V2}PodsMetricSource`, { metric: MetricIdentifierSchema, target: MetricTargetSchema })),
  resource: opt(def(`${V2}ResourceMetricSource`, { name: str(), target: MetricTargetSchema })),
  containerResource: opt(def(`${V2}ContainerResourceMetricSource`, { name: str(), target: MetricTargetSchema, container: str() })),
  external: opt(def(`${V2}ExternalMetricSource`, { metric: MetricIdentifierSchema, target: MetricTargetSchema })),
});
export type MetricSpec = Static<typeof MetricSpecSchema>;

export const MetricStatusSchema = def(`${V2}MetricStatus`, {
  type: str(),
  object: opt(
    def(`${V2}ObjectMetricStatus`, {
      metric: MetricIdentifierSchema,
      current: MetricValueStatusSchema,
      describedObject: CrossVersionObjectReferenceSchema,
    }),
  ),
  pods: opt(def(`${V2}PodsMetricStatus`, { metric: MetricIdentifierSchema, current: MetricValueStatusSchema })),
  resource: opt(def(`${V2}ResourceMetricStatus`, { name: str(), current: MetricValueStatusSchema })),
  containerResource: opt(def(`${V2}ContainerResourceMetricStatus`, { name: str(), current: MetricValueStatusSchema, container: str() })),
  external: opt(def(`${V2}ExternalMetricStatus`, { metric: MetricIdentifierSchema, current: MetricValueStatusSchema })),
});
export type MetricStatus = Static<typeof MetricStatusSchema>;

export const HPAScalingPolicySchema = def(`${V2}HPAScalingPolicy`, { type: str(), value: int32(), periodSeconds: int32() });
export type HPAScalingPolicy = Static<typeof HPAScalingPolicySchema>;

export const HPAScalingRulesSchema = def(`${V2}HPAScalingRules`, {
  stabilizationWindowSeconds: opt(int32()),
  selectPolicy: opt(str()),
  policies: opt(atomicList(HPAScalingPolicySchema)),
});
export type HPAScalingRules = Static<typeof HPAScalingRulesSchema>;

export const HorizontalPodAutoscalerBehaviorSchema = def(`${V2}HorizontalPodAutoscalerBehavior`, {
  scaleUp: opt(HPAScalingRulesSchema),
  scaleDown: opt(HPAScalingRulesSchema),
});
export type HorizontalPodAutoscalerBehavior = Static<typeof HorizontalPodAutoscalerBehaviorSchema>;

export const HorizontalPodAutoscalerSpecSchema = def(`${V2}HorizontalPodAutoscalerSpec`, {
  scaleTargetRef: CrossVersionObjectReferenceSchema,
  minReplicas: opt(int32()),
  maxReplicas: int32(),
  metrics: opt(atomicList(MetricSpecSchema)),
  behavior: opt(HorizontalPodAutoscalerBehaviorSchema),
});
export type HorizontalPodAutoscalerSpec = Static<typeof HorizontalPodAutoscalerSpecSchema>;

export const HorizontalPodAutoscalerConditionSchema = def(`${V2}HorizontalPodAutoscalerCondition`, {
  type: str(),
  status: str(),
  lastTransitionTime: opt(time()),
  reason: opt(str()),
  message: opt(str()),
});
export type HorizontalPodAutoscalerCondition = Static<typeof HorizontalPodAutoscalerConditionSchema>;

export const HorizontalPodAutoscalerStatusSchema = def(`${V2}HorizontalPodAutoscalerStatus`, {
  observedGeneration: opt(int64()),
  lastScaleTime: opt(time()),
  currentReplicas: opt(int32()),
  desiredReplicas: int32(),
  currentMetrics: opt(atomicList(MetricStatusSchema)),
  conditions: opt(mapList(HorizontalPodAutoscalerConditionSchema, { mergeKey: 'type', mapKeys: ['type'] })),
});
export type HorizontalPodAutoscalerStatus = Static<typeof HorizontalPodAutoscalerStatusSchema>;

export const HorizontalPodAutoscalerSchema = def(`${V2}HorizontalPodAutoscaler`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(HorizontalPodAutoscalerSpecSchema),
  status: opt(HorizontalPodAutoscalerStatusSchema),
});
export type HorizontalPodAutoscaler = Static<typeof HorizontalPodAutoscalerSchema>;

/** autoscaling/v1 Scale: what `GET/PUT .../deployments/<name>/scale` speaks. */
export const ScaleSchema = def(`${V1}Scale`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(def(`${V1}ScaleSpec`, { replicas: opt(int32()) })),
  status: opt(def(`${V1}ScaleStatus`, { replicas: int32(), selector: opt(str()) })),
});
export type Scale = Static<typeof ScaleSchema>;

/**
 * autoscaling/v1 HorizontalPodAutoscaler: one metric (average CPU
 * utilization). Served as a conversion of the stored autoscaling/v2 objects
 * (the API server's resources/horizontalpodautoscalers/convert.ts).
 */
export const HorizontalPodAutoscalerV1Schema = def(`${V1}HorizontalPodAutoscaler`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(
    def(`${V1}HorizontalPodAutoscalerSpec`, {
      scaleTargetRef: def(`${V1}CrossVersionObjectReference`, { kind: str(), name: str(), apiVersion: opt(str()) }),
      minReplicas: opt(int32()),
      maxReplicas: int32(),
      targetCPUUtilizationPercentage: opt(int32()),
    }),
  ),
  status: opt(
    def(`${V1}HorizontalPodAutoscalerStatus`, {
      observedGeneration: opt(int64()),
      lastScaleTime: opt(time()),
      currentReplicas: int32(),
      desiredReplicas: int32(),
      currentCPUUtilizationPercentage: opt(int32()),
    }),
  ),
});
export type HorizontalPodAutoscalerV1 = Static<typeof HorizontalPodAutoscalerV1Schema>;
