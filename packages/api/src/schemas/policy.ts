/** policy/v1 Eviction: what `POST .../pods/<name>/eviction` takes. */
import type { Static } from '@sinclair/typebox';
import { DeleteOptionsSchema, ObjectMetaSchema } from './meta.js';
import { def, opt, typeMeta } from './schema-kit.js';

export const EvictionSchema = def('io.k8s.api.policy.v1.Eviction', {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  deleteOptions: opt(DeleteOptionsSchema),
});
export type Eviction = Static<typeof EvictionSchema>;
