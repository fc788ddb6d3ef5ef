/** rbac.authorization.k8s.io/v1 Role. */
import { validateObjectMetaUpdate, validateRole, type Role } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';

export const roles = defineResource<Role>({
  type: builtinType('rbac.authorization.k8s.io', 'v1', 'roles'),
  validation: {
    create: (role, { namespaced }) => validateRole(role, namespaced),
    update: (role, old) => validateObjectMetaUpdate(role.metadata, old.metadata),
  },
});
