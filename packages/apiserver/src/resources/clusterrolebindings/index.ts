/** rbac.authorization.k8s.io/v1 ClusterRoleBinding (roleRef is immutable; printed as RoleBindings are). */
import { validateBindingUpdate, validateClusterRoleBinding, type ClusterRoleBinding } from '@mk8s/api';
import { roleBindingPrinter } from '../rolebindings/printer.js';
import { builtinType, defineResource } from '../definition.js';

export const clusterRoleBindings = defineResource<ClusterRoleBinding>({
  type: builtinType('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings'),
  validation: {
    create: (binding) => validateClusterRoleBinding(binding),
    update: (binding, old) => validateBindingUpdate(binding, old),
  },
  printer: roleBindingPrinter,
});
