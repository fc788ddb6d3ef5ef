/** rbac.authorization.k8s.io/v1 RoleBinding (roleRef is immutable). */
import { validateBindingUpdate, validateRoleBinding, type RoleBinding } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { roleBindingPrinter } from './printer.js';

export const roleBindings = defineResource<RoleBinding>({
  type: builtinType('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
  validation: {
    create: (binding, { namespaced }) => validateRoleBinding(binding, namespaced),
    update: (binding, old) => validateBindingUpdate(binding, old),
  },
  printer: roleBindingPrinter,
});
