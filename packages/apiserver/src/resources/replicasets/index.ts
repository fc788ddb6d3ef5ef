/** apps/v1 ReplicaSet, with the `scale` subresource. */
import {
  defaultReplicaSet,
  validateObjectMetaUpdate,
  validateReplicaSet,
  validateReplicaSetStatus,
  validateReplicaSetUpdate,
  type ReplicaSet,
} from '@mk8s/api';
import { scaleSubresource } from '../../http/scale.js';
import { builtinType, defineResource } from '../definition.js';
import { replicaSetPrinter } from './printer.js';

export const replicaSets = defineResource<ReplicaSet>({
  type: builtinType('apps', 'v1', 'replicasets'),
  strategy: { statusSubresource: true, tracksGeneration: true },
  defaults: defaultReplicaSet,
  validation: {
    create: (rs, { namespaced }) => validateReplicaSet(rs, namespaced),
    update: (rs, old) => validateReplicaSetUpdate(rs, old),
    status: (rs, old) => [...validateObjectMetaUpdate(rs.metadata, old.metadata), ...validateReplicaSetStatus(rs.status ?? {})],
  },
  fields: {
    labels: ['status.replicas'],
    of: (rs) => ({ 'status.replicas': String(rs.status?.replicas ?? 0) }),
  },
  printer: replicaSetPrinter,
  subresources: { scale: scaleSubresource },
});
