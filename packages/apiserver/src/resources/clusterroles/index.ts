/** rbac.authorization.k8s.io/v1 ClusterRole. */
import { validateClusterRole, validateObjectMetaUpdate, type ClusterRole } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';

export const clusterRoles = defineResource<ClusterRole>({
  type: builtinType('rbac.authorization.k8s.io', 'v1', 'clusterroles'),
  validation: {
    create: (role) => validateClusterRole(role),
    update: (role, old) => validateObjectMetaUpdate(role.metadata, old.metadata),
  },
});
