/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition: a kind defined at run
 * time. The API server serves each served version of it (see the API
 * server's resources/custom/). `openAPIV3Schema` is kept as sent (it is
 * itself a schema, checked by validation).
 */
import type { Static } from '@sinclair/typebox';
import { ObjectMetaSchema } from './meta.js';
import { bool, def, int32, mapList, opt, preserved, setList, str, time, typeMeta, atomicList } from './schema-kit.js';

const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';

export const CustomResourceDefinitionNamesSchema = def(`${APIEXT}CustomResourceDefinitionNames`, {
  plural: str(),
  singular: opt(str()),
  shortNames: opt(atomicList(str())),
  kind: str(),
  listKind: opt(str()),
  categories: opt(atomicList(str())),
});
export type CustomResourceDefinitionNames = Static<typeof CustomResourceDefinitionNamesSchema>;

export const CustomResourceColumnDefinitionSchema = def(`${APIEXT}CustomResourceColumnDefinition`, {
  name: str(),
  type: str(),
  format: opt(str()),
  description: opt(str()),
  priority: opt(int32()),
  jsonPath: str(),
});
export type CustomResourceColumnDefinition = Static<typeof CustomResourceColumnDefinitionSchema>;

export const CustomResourceSubresourceScaleSchema = def(`${APIEXT}CustomResourceSubresourceScale`, {
  specReplicasPath: str(),
  statusReplicasPath: str(),
  labelSelectorPath: opt(str()),
});
export type CustomResourceSubresourceScale = Static<typeof CustomResourceSubresourceScaleSchema>;

export const CustomResourceSubresourcesSchema = def(`${APIEXT}CustomResourceSubresources`, {
  status: opt(preserved(`${APIEXT}CustomResourceSubresourceStatus`)),
  scale: opt(CustomResourceSubresourceScaleSchema),
});

export const CustomResourceDefinitionVersionSchema = def(`${APIEXT}CustomResourceDefinitionVersion`, {
  name: str(),
  served: bool(),
  storage: bool(),
  deprecated: opt(bool()),
  deprecationWarning: opt(str()),
  schema: opt(def(`${APIEXT}CustomResourceValidation`, { openAPIV3Schema: opt(preserved(`${APIEXT}JSONSchemaProps`)) })),
  subresources: opt(CustomResourceSubresourcesSchema),
  additionalPrinterColumns: opt(atomicList(CustomResourceColumnDefinitionSchema)),
  selectableFields: opt(atomicList(def(`${APIEXT}SelectableField`, { jsonPath: str() }))),
});
export type CustomResourceDefinitionVersion = Static<typeof CustomResourceDefinitionVersionSchema>;

export const CustomResourceDefinitionSpecSchema = def(`${APIEXT}CustomResourceDefinitionSpec`, {
  group: str(),
  names: CustomResourceDefinitionNamesSchema,
  scope: str(),
  versions: atomicList(CustomResourceDefinitionVersionSchema),
  conversion: opt(preserved(`${APIEXT}CustomResourceConversion`)),
  preserveUnknownFields: opt(bool()),
});
export type CustomResourceDefinitionSpec = Static<typeof CustomResourceDefinitionSpecSchema>;

export const CustomResourceDefinitionConditionSchema = def(`${APIEXT}CustomResourceDefinitionCondition`, {
  type: str(),
  status: str(),
  lastTransitionTime: opt(time()),
  reason: opt(str()),
  message: opt(str()),
});
export type CustomResourceDefinitionCondition = Static<typeof CustomResourceDefinitionConditionSchema>;

export const CustomResourceDefinitionStatusSchema = def(`${APIEXT}CustomResourceDefinitionStatus`, {
  conditions: opt(mapList(CustomResourceDefinitionConditionSchema, { mergeKey: undefined, mapKeys: ['type'] })),
  acceptedNames: opt(CustomResourceDefinitionNamesSchema),
  storedVersions: opt(setList(str())),
});
export type CustomResourceDefinitionStatus = Static<typeof CustomResourceDefinitionStatusSchema>;

export const CustomResourceDefinitionSchema = def(`${APIEXT}CustomResourceDefinition`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: CustomResourceDefinitionSpecSchema,
  status: opt(CustomResourceDefinitionStatusSchema),
});
export type CustomResourceDefinition = Static<typeof CustomResourceDefinitionSchema>;
