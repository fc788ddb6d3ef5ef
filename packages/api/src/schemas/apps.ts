/** apps/v1 ReplicaSet and Deployment. */
import type { Static } from '@sinclair/typebox';
import { PodTemplateSpecSchema } from './core-pod.js';
import { LabelSelectorSchema, ObjectMetaSchema } from './meta.js';
import { bool, def, int32, int64, intOrString, mapList, opt, str, time, typeMeta, PATCH_STRATEGY } from './schema-kit.js';

const APPS = 'io.k8s.api.apps.v1.';

export const ReplicaSetConditionSchema = def(`${APPS}ReplicaSetCondition`, {
  type: str(),
  status: str(),
  lastTransitionTime: opt(time()),
  reason: opt(str()),
  message: opt(str()),
});
export type ReplicaSetCondition = Static<typeof ReplicaSetConditionSchema>;

export const ReplicaSetSpecSchema = def(`${APPS}ReplicaSetSpec`, {
  replicas: opt(int32()),
  minReadySeconds: opt(int32()),
  selector: LabelSelectorSchema,
  template: opt(PodTemplateSpecSchema),
});
export type ReplicaSetSpec = Static<typeof ReplicaSetSpecSchema>;

export const ReplicaSetStatusSchema = def(`${APPS}ReplicaSetStatus`, {
  replicas: int32(),
  fullyLabeledReplicas: opt(int32()),
  readyReplicas: opt(int32()),
  availableReplicas: opt(int32()),
  terminatingReplicas: opt(int32()),
  observedGeneration: opt(int64()),
  conditions: opt(mapList(ReplicaSetConditionSchema, { mergeKey: 'type', mapKeys: ['type'] })),
});
export type ReplicaSetStatus = Static<typeof ReplicaSetStatusSchema>;

export const ReplicaSetSchema = def(`${APPS}ReplicaSet`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(ReplicaSetSpecSchema),
  status: opt(ReplicaSetStatusSchema),
});
export type ReplicaSet = Static<typeof ReplicaSetSchema>;

export const RollingUpdateDeploymentSchema = def(`${APPS}RollingUpdateDeployment`, {
  maxUnavailable: opt(intOrString()),
  maxSurge: opt(intOrString()),
});
export type RollingUpdateDeployment = Static<typeof RollingUpdateDeploymentSchema>;

export const DeploymentStrategySchema = def(`${APPS}DeploymentStrategy`, {
  type: opt(str()),
  rollingUpdate: opt(RollingUpdateDeploymentSchema),
});
export type DeploymentStrategy = Static<typeof DeploymentStrategySchema>;

export const DeploymentSpecSchema = def(`${APPS}DeploymentSpec`, {
  replicas: opt(int32()),
  selector: LabelSelectorSchema,
  template: PodTemplateSpecSchema,
  // retainKeys: switching `type` to Recreate in a patch clears a stale `rollingUpdate`.
  strategy: opt({ ...DeploymentStrategySchema, [PATCH_STRATEGY]: 'retainKeys' } as typeof DeploymentStrategySchema),
  minReadySeconds: opt(int32()),
  revisionHistoryLimit: opt(int32()),
  paused: opt(bool()),
  progressDeadlineSeconds: opt(int32()),
});
export type DeploymentSpec = Static<typeof DeploymentSpecSchema>;

export const DeploymentConditionSchema = def(`${APPS}DeploymentCondition`, {
  type: str(),
  status: str(),
  lastUpdateTime: opt(time()),
  lastTransitionTime: opt(time()),
  reason: opt(str()),
  message: opt(str()),
});
export type DeploymentCondition = Static<typeof DeploymentConditionSchema>;

export const DeploymentStatusSchema = def(`${APPS}DeploymentStatus`, {
  observedGeneration: opt(int64()),
  replicas: opt(int32()),
  updatedReplicas: opt(int32()),
  readyReplicas: opt(int32()),
  availableReplicas: opt(int32()),
  unavailableReplicas: opt(int32()),
  terminatingReplicas: opt(int32()),
  conditions: opt(mapList(DeploymentConditionSchema, { mergeKey: 'type', mapKeys: ['type'] })),
  collisionCount: opt(int32()),
});
export type DeploymentStatus = Static<typeof DeploymentStatusSchema>;

export const DeploymentSchema = def(`${APPS}Deployment`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(DeploymentSpecSchema),
  status: opt(DeploymentStatusSchema),
});
export type Deployment = Static<typeof DeploymentSchema>;
