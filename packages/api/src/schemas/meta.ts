/**
 * meta.k8s.io/v1 shapes shared by every kind: object and list metadata, owner references,
 * label selectors, Status, DeleteOptions, Table and WatchEvent.
 */
import type { Static } from '@sinclair/typebox';
import {
  META,
  anyValue,
  atomicList,
  bool,
  def,
  int32,
  int64,
  mapList,
  opt,
  preserved,
  setList,
  str,
  stringMap,
  time,
  typeMeta,
  MAP_TYPE,
} from './schema-kit.js';

export const OwnerReferenceSchema = def(
  `${META}OwnerReference`,
  {
    apiVersion: str(),
    kind: str(),
    name: str(),
    uid: str(),
    controller: opt(bool()),
    blockOwnerDeletion: opt(bool()),
  },
  { [MAP_TYPE]: 'atomic' },
);
export type OwnerReference = Static<typeof OwnerReferenceSchema>;

/** Written by server-side apply; kept as sent. */
export const ManagedFieldsEntrySchema = preserved(`${META}ManagedFieldsEntry`);

export const ObjectMetaSchema = def(`${META}ObjectMeta`, {
  name: opt(str()),
  generateName: opt(str()),
  namespace: opt(str()),
  selfLink: opt(str()),
  uid: opt(str()),
  resourceVersion: opt(str()),
  generation: opt(int64()),
  creationTimestamp: opt(time()),
  deletionTimestamp: opt(time()),
  deletionGracePeriodSeconds: opt(int64()),
  labels: opt(stringMap()),
  annotations: opt(stringMap()),
  ownerReferences: opt(mapList(OwnerReferenceSchema, { mergeKey: 'uid', mapKeys: ['uid'] })),
  finalizers: opt(setList(str(), true)),
  managedFields: opt(atomicList(ManagedFieldsEntrySchema)),
});
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

export const ListMetaSchema = def(`${META}ListMeta`, {
  selfLink: opt(str()),
  resourceVersion: opt(str()),
  continue: opt(str()),
  remainingItemCount: opt(int64()),
});
export type ListMeta = Static<typeof ListMetaSchema>;

export const LabelSelectorRequirementSchema = def(`${META}LabelSelectorRequirement`, {
  key: str(),
  operator: str(),
  values: opt(atomicList(str())),
});
export type LabelSelectorRequirement = Static<typeof LabelSelectorRequirementSchema>;

export const LabelSelectorSchema = def(
  `${META}LabelSelector`,
  {
    matchLabels: opt(stringMap()),
    matchExpressions: opt(atomicList(LabelSelectorRequirementSchema)),
  },
  { [MAP_TYPE]: 'atomic' },
);
export type LabelSelector = Static<typeof LabelSelectorSchema>;

/** `metav1.Condition`, the standard condition shape (used by Service status). */
export const ConditionSchema = def(`${META}Condition`, {
  type: str(),
  status: str(),
  observedGeneration: opt(int64()),
  lastTransitionTime: time(),
  reason: str(),
  message: str(),
});
export type Condition = Static<typeof ConditionSchema>;

export const StatusCauseSchema = def(`${META}StatusCause`, {
  reason: opt(str()),
  message: opt(str()),
  field: opt(str()),
});
export type StatusCause = Static<typeof StatusCauseSchema>;

export const StatusDetailsSchema = def(`${META}StatusDetails`, {
  name: opt(str()),
  group: opt(str()),
  kind: opt(str()),
  uid: opt(str()),
  causes: opt(atomicList(StatusCauseSchema)),
  retryAfterSeconds: opt(int32()),
});
export type StatusDetails = Static<typeof StatusDetailsSchema>;

export const StatusSchema = def(`${META}Status`, {
  ...typeMeta(),
  metadata: opt(ListMetaSchema),
  status: opt(str()),
  message: opt(str()),
  reason: opt(str()),
  details: opt(StatusDetailsSchema),
  code: opt(int32()),
});
export type Status = Static<typeof StatusSchema>;

export const PreconditionsSchema = def(`${META}Preconditions`, {
  uid: opt(str()),
  resourceVersion: opt(str()),
});
export type Preconditions = Static<typeof PreconditionsSchema>;

export const DeleteOptionsSchema = def(`${META}DeleteOptions`, {
  ...typeMeta(),
  gracePeriodSeconds: opt(int64()),
  preconditions: opt(PreconditionsSchema),
  orphanDependents: opt(bool()),
  propagationPolicy: opt(str()),
  dryRun: opt(atomicList(str())),
  ignoreStoreReadErrorWithClusterBreakingPotential: opt(bool()),
});
export type DeleteOptions = Static<typeof DeleteOptionsSchema>;

export const TableColumnDefinitionSchema = def(`${META}TableColumnDefinition`, {
  name: str(),
  type: str(),
  format: str(),
  description: str(),
  priority: int32(),
});
export type TableColumnDefinition = Static<typeof TableColumnDefinitionSchema>;

export const TableRowConditionSchema = def(`${META}TableRowCondition`, {
  type: str(),
  status: str(),
  reason: opt(str()),
  message: opt(str()),
});

export const TableRowSchema = def(`${META}TableRow`, {
  cells: atomicList(anyValue()),
  conditions: opt(atomicList(TableRowConditionSchema)),
  /** The full object or `PartialObjectMetadata`, as the client asked (`includeObject`). */
  object: opt(preserved('io.k8s.apimachinery.pkg.runtime.RawExtension')),
});
export type TableRow = Static<typeof TableRowSchema>;

export const TableSchema = def(`${META}Table`, {
  ...typeMeta(),
  metadata: opt(ListMetaSchema),
  columnDefinitions: atomicList(TableColumnDefinitionSchema),
  rows: atomicList(TableRowSchema),
});
export type Table = Static<typeof TableSchema>;

export const WatchEventSchema = def(`${META}WatchEvent`, {
  type: str(),
  object: preserved('io.k8s.apimachinery.pkg.runtime.RawExtension'),
});
export type WatchEvent = Static<typeof WatchEventSchema>;
