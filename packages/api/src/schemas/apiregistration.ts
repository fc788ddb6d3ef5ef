/** apiregistration.k8s.io/v1 APIService: a group version served by this API server (`Local`) or by an extension API server behind a Service. */
import type { Static } from '@sinclair/typebox';
import { ObjectMetaSchema } from './meta.js';
import { bool, bytes, def, int32, mapList, opt, str, time, typeMeta } from './schema-kit.js';

const APIREG = 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.';

export const ServiceReferenceSchema = def(`${APIREG}ServiceReference`, {
  namespace: opt(str()),
  name: opt(str()),
  port: opt(int32()),
});
export type ServiceReference = Static<typeof ServiceReferenceSchema>;

export const APIServiceSpecSchema = def(`${APIREG}APIServiceSpec`, {
  service: opt(ServiceReferenceSchema),
  group: opt(str()),
  version: opt(str()),
  insecureSkipTLSVerify: opt(bool()),
  caBundle: opt(bytes()),
  groupPriorityMinimum: int32(),
  versionPriority: int32(),
});
export type APIServiceSpec = Static<typeof APIServiceSpecSchema>;

export const APIServiceConditionSchema = def(`${APIREG}APIServiceCondition`, {
  type: str(),
  status: str(),
  lastTransitionTime: opt(time()),
  reason: opt(str()),
  message: opt(str()),
});
export type APIServiceCondition = Static<typeof APIServiceConditionSchema>;

export const APIServiceStatusSchema = def(`${APIREG}APIServiceStatus`, {
  conditions: opt(mapList(APIServiceConditionSchema, { mergeKey: 'type', mapKeys: ['type'] })),
});
export type APIServiceStatus = Static<typeof APIServiceStatusSchema>;

export const APIServiceSchema = def(`${APIREG}APIService`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(APIServiceSpecSchema),
  status: opt(APIServiceStatusSchema),
});
export type APIService = Static<typeof APIServiceSchema>;
