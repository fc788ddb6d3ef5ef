/**
 * core/v1 policy kinds: ResourceQuota (aggregate limits per namespace, enforced
 * by the API server's ResourceQuota admission and kept current by the
 * resource-quota controller) and LimitRange (per-container defaults and bounds,
 * applied by the LimitRanger admission).
 */
import type { Static } from '@sinclair/typebox';
import { ObjectMetaSchema } from './meta.js';
import { CORE, atomicList, def, mapOf, opt, quantity, str, typeMeta } from './schema-kit.js';

const resourceList = () => mapOf(quantity());

export const ScopedResourceSelectorRequirementSchema = def(`${CORE}ScopedResourceSelectorRequirement`, {
  scopeName: str(),
  operator: str(),
  values: opt(atomicList(str())),
});

export const ScopeSelectorSchema = def(`${CORE}ScopeSelector`, {
  matchExpressions: opt(atomicList(ScopedResourceSelectorRequirementSchema)),
});

export const ResourceQuotaSpecSchema = def(`${CORE}ResourceQuotaSpec`, {
  hard: opt(resourceList()),
  scopes: opt(atomicList(str())),
  scopeSelector: opt(ScopeSelectorSchema),
});

export const ResourceQuotaStatusSchema = def(`${CORE}ResourceQuotaStatus`, {
  hard: opt(resourceList()),
  used: opt(resourceList()),
});

export const ResourceQuotaSchema = def(`${CORE}ResourceQuota`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(ResourceQuotaSpecSchema),
  status: opt(ResourceQuotaStatusSchema),
});
export type ResourceQuota = Static<typeof ResourceQuotaSchema>;

export const LimitRangeItemSchema = def(`${CORE}LimitRangeItem`, {
  type: str(),
  max: opt(resourceList()),
  min: opt(resourceList()),
  default: opt(resourceList()),
  defaultRequest: opt(resourceList()),
  maxLimitRequestRatio: opt(resourceList()),
});
export type LimitRangeItem = Static<typeof LimitRangeItemSchema>;

export const LimitRangeSpecSchema = def(`${CORE}LimitRangeSpec`, {
  limits: atomicList(LimitRangeItemSchema),
});

export const LimitRangeSchema = def(`${CORE}LimitRange`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(LimitRangeSpecSchema),
});
export type LimitRange = Static<typeof LimitRangeSchema>;
