/** coordination.k8s.io/v1 Lease: node heartbeats and leader election. */
import type { Static } from '@sinclair/typebox';
import { ObjectMetaSchema } from './meta.js';
import { def, int32, microTime, opt, str, typeMeta } from './schema-kit.js';

const COORDINATION = 'io.k8s.api.coordination.v1.';

export const LeaseSpecSchema = def(`${COORDINATION}LeaseSpec`, {
  holderIdentity: opt(str()),
  leaseDurationSeconds: opt(int32()),
  acquireTime: opt(microTime()),
  renewTime: opt(microTime()),
  leaseTransitions: opt(int32()),
  strategy: opt(str()),
  preferredHolder: opt(str()),
});
export type LeaseSpec = Static<typeof LeaseSpecSchema>;

export const LeaseSchema = def(`${COORDINATION}Lease`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(LeaseSpecSchema),
});
export type Lease = Static<typeof LeaseSchema>;
