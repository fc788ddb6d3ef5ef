/**
 * The default RBAC policy the API server creates at start when RBAC is on,
 * after Kubernetes' bootstrap policy (plugin/pkg/auth/authorizer/rbac/
 * bootstrappolicy): the user-facing roles (cluster-admin, admin, edit, view),
 * discovery for everyone, one role per component identity, and one per
 * controller of kube-controller-manager (`system:controller:*`). Reconciled on
 * every start: a missing object is created, an existing one labelled
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` (the default) gets
 * the rules or subjects it lacks and loses the rules earlier versions granted
 * that this one no longer does; one set to "false" is left alone.
 *
 * `system:node` is created but not bound: node identities are authorized by
 * the Node authorizer, which evaluates the same rules (`NODE_RULES`) plus
 * the node's relationships (its own Lease, the Secrets and ConfigMaps of its
 * pods), as in Kubernetes.
 */
import { BUILTIN_RESOURCES } from '../resources/builtin.js';
import { resourceFor, type ClusterRole, type ClusterRoleBinding, type PolicyRule, type ResourceType, type Subject } from '@mk8s/api';
import { StatusError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { AUTHENTICATED_GROUP, BOOTSTRAPPERS_GROUP, MASTERS_GROUP, UNAUTHENTICATED_GROUP } from './user.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const RBAC_GROUP = 'rbac.authorization.k8s.io';

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  // Left out rather than undefined: reconciliation compares rules by their keys (`same`).
  return { verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) };
}
function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}
const eventsRule = rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

/** What the kubelet may do (Kubernetes' NodeRules, for the resources mk8s serves). */
export const NODE_RULES: readonly PolicyRule[] = [
  rule(['create', 'delete', 'get', 'list', 'watch', 'patch', 'update'], [''], ['nodes']),
  rule(['patch', 'update'], [''], ['nodes/status']),
  rule(READ, [''], ['services', 'endpoints']),
  rule(['get', 'list', 'watch', 'create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['create'], ['', 'policy'], ['pods/eviction']),
  eventsRule,
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
];

const VIEW_CORE = [
  'pods',
  'pods/log',
  'pods/status',
  'services',
  'services/status',
  'endpoints',
  'events',
  'configmaps',
  'namespaces',
  'namespaces/status',
  'persistentvolumeclaims',
  'replicationcontrollers',
  'serviceaccounts',
  'limitranges',
  'resourcequotas',
];
const VIEW_APPS = [
  'deployments',
  'deployments/scale',
  'deployments/status',
  'replicasets',
  'replicasets/scale',
  'replicasets/status',
  'daemonsets',
  'statefulsets',
];
const viewRules: PolicyRule[] = [
  rule(READ, [''], VIEW_CORE),
  rule(READ, ['apps'], VIEW_APPS),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'cronjobs']),
  rule(READ, ['policy'], ['poddisruptionbudgets']),
  rule(READ, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['metrics.k8s.io'], ['pods', 'nodes']),
];
// No Endpoints (or EndpointSlice) writes: an editor could point a Service at
// addresses in other namespaces or on the node (CVE-2021-25740; Kubernetes
// 1.22 took these rights out of `edit` and `admin`). Reads come with `view`.
const editRules: PolicyRule[] = [
  ...viewRules,
  rule(
    [...READ, ...WRITE],
    [''],
    [
      'pods',
      'pods/exec',
      'pods/attach',
      'pods/portforward',
      'pods/proxy',
      'configmaps',
      'persistentvolumeclaims',
      'replicationcontrollers',
      'services',
      'services/proxy',
      'secrets',
      'serviceaccounts',
    ],
  ),
  rule(['create'], ['', 'policy'], ['pods/eviction']),
  rule(['get'], [''], ['pods/exec']),
  rule([...READ, ...WRITE], ['apps'], ['deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'daemonsets', 'statefulsets']),
  rule([...READ, ...WRITE], ['autoscaling'], ['horizontalpodautoscalers']),
  rule([...READ, ...WRITE], ['batch'], ['jobs', 'cronjobs']),
  rule([...READ, ...WRITE], ['policy'], ['poddisruptionbudgets']),
  rule([...READ, ...WRITE], ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
  rule([...READ, ...WRITE], ['coordination.k8s.io'], ['leases']),
];
const adminRules: PolicyRule[] = [
  ...editRules,
  rule([...READ, ...WRITE], [RBAC_GROUP], ['roles', 'rolebindings']),
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
];

interface DefaultRole {
  name: string;
  /** Set for a Role of that namespace (bound by a RoleBinding); a ClusterRole otherwise. */
  namespace?: string;
  rules: PolicyRule[];
  /** Subjects of the ClusterRoleBinding of the same name; none: not bound. */
  bindTo?: Subject[];
  /** Name of the binding when it differs from the role's. */
  bindingName?: string;
  /** Rules earlier versions granted and this one does not: removed from the stored role on reconcile. */
  obsoleteRules?: PolicyRule[];
}

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });

export const COMPONENT_USERS = {
  scheduler: 'system:kube-scheduler',
  controllerManager: 'system:kube-controller-manager',
  cloudControllerManager: 'system:cloud-controller-manager',
  proxy: 'system:kube-proxy',
} as const;

/**
 * The built-in resources (no subresources) of each API group, namespaced ones
 * only when asked, the create-only reviews left out, and only those `keep`
 * accepts: what the garbage collector reads and the namespace and quota
 * controllers list. Listed by resource rather than Kubernetes' `*` so the
 * controller manager's identity cannot delete cluster-scoped objects such as
 * RBAC bindings. Custom resources have a role of their own, which the CRD
 * controller keeps (`reconcileCustomResourcesRole`).
 */
function servedResources(namespacedOnly: boolean, keep: (type: ResourceType) => boolean = () => true): PolicyRule[] {
  const byGroup = new Map<string, string[]>();
  for (const { type, verbs } of BUILTIN_RESOURCES) {
    if ((namespacedOnly && !type.namespaced) || verbs || !keep(type)) continue;
    const resources = byGroup.get(type.group) ?? [];
    // A resource served in two versions (autoscaling/v2 and v1 HPAs) is one name in a rule.
    if (!resources.includes(type.resource)) byGroup.set(type.group, [...resources, type.resource]);
  }
  return [...byGroup].map(([group, resources]) => rule([], [group], resources));
}
const withVerbs = (verbs: string[], rules: PolicyRule[]): PolicyRule[] => rules.map((r) => ({ ...r, verbs }));

/**
 * What the garbage collector collects: every built-in kind it monitors, that
 * is every served kind but Events (as Kubernetes' collector) and the kinds
 * this identity may not patch or delete, RBAC objects and CRDs (the
 * collector's `DEFAULT_GC_IGNORED_RESOURCES`).
 */
const collected = (t: ResourceType): boolean => t.resource !== 'events' && t.group !== RBAC_GROUP && t.group !== 'apiextensions.k8s.io';

/** The name of the role whose rules the CRD controller keeps: the controller manager's rights on custom resources. */
export const CUSTOM_RESOURCES_ROLE = 'system:controller:custom-resources';

/**
 * One role per controller of kube-controller-manager, as Kubernetes' controller
 * roles (`system:controller:<name>`), limited to what mk8s' controllers do
 * (packages/controller-manager). Kubernetes binds them to each controller's
 * ServiceAccount; mk8s runs every controller under the one identity
 * `system:kube-controller-manager`, so all are bound to it. Reads cover the
 * served resources, never their subresources (no pods/exec, no proxies).
 * Nothing creates, updates or patches RBAC objects; the namespace controller
 * deletes the Roles and RoleBindings of a namespace being deleted. Nothing
 * creates or updates Secrets: the namespace controller and the garbage
 * collector delete them, and the garbage collector patches dependents'
 * ownerReferences and finalizers (Kubernetes' collector may patch anything).
 *
 * Kubernetes' namespace controller and garbage collector hold `*` on `*`.
 * Here they do not: `*` would include ClusterRoleBindings, so a stolen
 * controller-manager credential could delete the bindings that keep
 * administrators in and be a cluster-admin one again. Their rights on
 * custom resources, which discovery shows them, are therefore listed too:
 * `custom-resources` names every served CRD's resource, and the CRD
 * controller rewrites its rules whenever the served CRDs change.
 */
const controllerRoles: Array<[string, PolicyRule[], PolicyRule[]?]> = [
  [
    'deployment-controller',
    [
      rule(['get', 'list', 'watch', 'update', 'patch'], ['apps'], ['deployments']),
      rule(['update'], ['apps'], ['deployments/status']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps'], ['replicasets']),
      rule(['list', 'watch'], [''], ['pods']),
      eventsRule,
    ],
  ],
  [
    'replicaset-controller',
    [
      rule(['get', 'list', 'watch', 'update'], ['apps'], ['replicasets']),
      rule(['update'], ['apps'], ['replicasets/status']),
      rule(['list', 'watch', 'create', 'patch', 'delete'], [''], ['pods']),
      eventsRule,
    ],
  ],
  [
    'endpoint-controller',
    [rule(READ, [''], ['services', 'pods']), rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['endpoints']), eventsRule],
  ],
  [
    // Owners may be of any served kind; dependents are the kinds it monitors (`collected`; custom resources in `custom-resources`).
    'generic-garbage-collector',
    [...withVerbs(READ, servedResources(false)), ...withVerbs(['patch', 'delete'], servedResources(false, collected))],
    // The kinds it collected when it monitored a fixed list.
    [
      rule(['patch', 'delete'], [''], ['pods', 'services', 'endpoints', 'configmaps', 'secrets', 'nodes', 'namespaces']),
      rule(['patch', 'delete'], ['apps'], ['replicasets', 'deployments']),
      rule(['patch', 'delete'], ['coordination.k8s.io'], ['leases']),
      rule(['patch', 'delete'], ['autoscaling'], ['horizontalpodautoscalers']),
    ],
  ],
  [
    'horizontal-pod-autoscaler',
    [
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      rule(['get', 'update'], ['apps'], ['deployments/scale', 'replicasets/scale']),
      rule(['list', 'watch'], [''], ['pods']),
      rule(['list'], ['metrics.k8s.io'], ['pods']),
      eventsRule,
    ],
  ],
  [
    // Empties a namespace being deleted: every namespaced kind is listed and deleted.
    'namespace-controller',
    [
      rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
      rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
      ...withVerbs(['get', 'list', 'delete', 'deletecollection'], servedResources(true)),
    ],
  ],
  [
    'node-controller',
    [
      rule(['get', 'list', 'watch', 'patch', 'update'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['list', 'watch'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['patch', 'update'], [''], ['pods/status']),
      eventsRule,
    ],
  ],
  ['pod-garbage-collector', [rule(['list', 'watch', 'delete'], [''], ['pods']), rule(READ, [''], ['nodes'])]],
  [
    // Counts objects of any namespaced kind (`count/<resource>`).
    'resourcequota-controller',
    [...withVerbs(['list', 'watch'], servedResources(true)), rule(['update'], [''], ['resourcequotas/status']), eventsRule],
  ],
  ['service-account-controller', [rule(['list', 'watch'], [''], ['namespaces']), rule(['list', 'watch', 'create'], [''], ['serviceaccounts']), eventsRule]],
  // Created empty and bound here; its rules are the CRD controller's (reconcileCustomResourcesRole).
  ['custom-resources', []],
];
const CONTROLLER_ROLES: DefaultRole[] = controllerRoles.map(([name, rules, obsoleteRules]) => ({
  name: `system:controller:${name}`,
  rules,
  bindTo: [user(COMPONENT_USERS.controllerManager)],
  ...(obsoleteRules ? { obsoleteRules } : {}),
}));

/** The blanket rules `system:kube-controller-manager` held before its controllers got their own roles; removed on reconcile. */
const OBSOLETE_CONTROLLER_MANAGER_RULES: PolicyRule[] = [
  rule(['get', 'list', 'watch', 'patch', 'update', 'delete', 'deletecollection'], ['*'], ['*']),
  rule(
    ['create'],
    ['', 'apps', 'autoscaling', 'coordination.k8s.io', 'discovery.k8s.io', 'policy'],
    [
      'pods',
      'pods/eviction',
      'pods/binding',
      'endpoints',
      'replicasets',
      'deployments',
      'leases',
      'endpointslices',
      'namespaces',
      'nodes',
      'configmaps',
      'serviceaccounts',
    ],
  ),
];

/** The default ClusterRoles, each with its ClusterRoleBinding when it has subjects. */
export const DEFAULT_ROLES: readonly DefaultRole[] = [
  {
    name: 'cluster-admin',
    rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])],
    bindTo: [group(MASTERS_GROUP)],
  },
  { name: 'admin', rules: adminRules },
  { name: 'edit', rules: editRules },
  { name: 'view', rules: viewRules },
  {
    name: 'system:discovery',
    rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/openapi', '/openapi/*', '/version', '/version/'])],
    bindTo: [group(AUTHENTICATED_GROUP)],
  },
  {
    name: 'system:public-info-viewer',
    rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])],
    bindTo: [group(AUTHENTICATED_GROUP), group(UNAUTHENTICATED_GROUP)],
  },
  {
    name: 'system:basic-user',
    rules: [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ],
    bindTo: [group(AUTHENTICATED_GROUP)],
  },
  {
    name: 'system:monitoring',
    rules: [urls(['get'], ['/metrics', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])],
    bindTo: [group('system:monitoring')],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      eventsRule,
      rule(['create', 'get', 'update', 'list', 'watch'], ['coordination.k8s.io'], ['leases']),
      rule(READ, [''], ['nodes', 'namespaces', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes']),
      rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
      rule(['create'], [''], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(READ, ['apps'], ['replicasets', 'statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ],
    bindTo: [user(COMPONENT_USERS.scheduler)],
  },
  {
    // The controller manager's own needs (leader election); what its controllers do is in the roles below.
    name: 'system:kube-controller-manager',
    rules: [
      eventsRule,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ],
    bindTo: [user(COMPONENT_USERS.controllerManager)],
    obsoleteRules: OBSOLETE_CONTROLLER_MANAGER_RULES,
  },
  ...CONTROLLER_ROLES,
  {
    name: 'system:cloud-controller-manager',
    rules: [
      eventsRule,
      rule(['create', 'get', 'update', 'list', 'watch'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['get', 'list', 'watch', 'patch', 'update'], [''], ['services']),
      rule(['patch', 'update'], [''], ['services/status']),
      rule(['create', 'get', 'list', 'watch', 'update'], [''], ['serviceaccounts', 'endpoints']),
    ],
    bindTo: [user(COMPONENT_USERS.cloudControllerManager)],
  },
  {
    name: 'system:node-proxier',
    rules: [
      rule(['list', 'watch'], [''], ['services', 'endpoints']),
      rule(READ, [''], ['nodes']),
      eventsRule,
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ],
    bindTo: [user(COMPONENT_USERS.proxy)],
    bindingName: 'system:node-proxier',
  },
  { name: 'system:node', rules: [...NODE_RULES] },
  {
    // Extension API servers (metrics-server...) delegate authentication and authorization to this server.
    name: 'system:auth-delegator',
    rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])],
  },
  {
    // How extension API servers learn which client CA and front proxy to trust (auth/cluster-authentication-trust.ts).
    name: 'extension-apiserver-authentication-reader',
    namespace: 'kube-system',
    rules: [rule(['get', 'list', 'watch'], [''], ['configmaps'], ['extension-apiserver-authentication'])],
  },
  {
    name: 'system:node-bootstrapper',
    rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])],
    bindTo: [group(BOOTSTRAPPERS_GROUP)],
  },
];

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

/** JSON with sorted keys: stored objects need not keep the field order they were written with. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);
const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

const bootstrapMetadata = (name: string) => ({ name, labels: { ...BOOTSTRAP_LABELS }, annotations: { [AUTOUPDATE]: 'true' } });

/**
 * Creates or completes the default ClusterRoles and ClusterRoleBindings
 * (idempotent; safe on every start and with several API servers: a lost
 * race on create or update is retried on the next start).
 */
export async function reconcileBootstrapPolicy(registry: Registry, log?: { warn: (obj: object, msg: string) => void }): Promise<void> {
  const clusterRoles = resourceFor(RBAC_GROUP, 'v1', 'clusterroles')!;
  const clusterBindings = resourceFor(RBAC_GROUP, 'v1', 'clusterrolebindings')!;
  const ensure = async (
    rt: typeof clusterRoles,
    namespace: string | undefined,
    name: string,
    fresh: Record<string, unknown>,
    complete: (existing: Record<string, unknown>) => boolean,
  ): Promise<void> => {
    try {
      let existing: Record<string, unknown> | undefined;
      try {
        existing = structuredClone(await registry.get(rt, namespace, name));
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
      if (!existing) {
        await registry.create(rt, namespace, fresh);
        return;
      }
      const annotations = ((existing['metadata'] as Record<string, unknown>)['annotations'] ?? {}) as Record<string, string>;
      if (annotations[AUTOUPDATE] === 'false') return;
      if (complete(existing)) await registry.update(rt, namespace, name, existing);
    } catch (err) {
      log?.warn({ err, name, resource: rt.resource }, 'could not reconcile bootstrap RBAC policy');
    }
  };
  for (const role of DEFAULT_ROLES) {
    const ns = role.namespace;
    const roles = ns ? resourceFor(RBAC_GROUP, 'v1', 'roles')! : clusterRoles;
    const bindings = ns ? resourceFor(RBAC_GROUP, 'v1', 'rolebindings')! : clusterBindings;
    const metadata = { ...bootstrapMetadata(role.name), ...(ns ? { namespace: ns } : {}) };
    const body = { apiVersion: `${RBAC_GROUP}/v1`, kind: ns ? 'Role' : 'ClusterRole', metadata, rules: role.rules } satisfies ClusterRole;
    await ensure(roles, ns, role.name, body as Record<string, unknown>, (existing) => {
      const stored = (existing['rules'] as PolicyRule[] | undefined) ?? [];
      const rules = stored.filter((e) => !(role.obsoleteRules ?? []).some((o) => same(e, o)));
      const missing = role.rules.filter((r) => !rules.some((e) => same(e, r)));
      if (missing.length === 0 && rules.length === stored.length) return false;
      existing['rules'] = [...rules, ...missing];
      return true;
    });
    if (!role.bindTo) continue;
    const bindingName = role.bindingName ?? role.name;
    const binding: ClusterRoleBinding = {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: ns ? 'RoleBinding' : 'ClusterRoleBinding',
      metadata: { ...bootstrapMetadata(bindingName), ...(ns ? { namespace: ns } : {}) },
      roleRef: { apiGroup: RBAC_GROUP, kind: ns ? 'Role' : 'ClusterRole', name: role.name },
      subjects: role.bindTo,
    };
    await ensure(bindings, ns, bindingName, binding as Record<string, unknown>, (existing) => {
      const subjects = (existing['subjects'] as Subject[] | undefined) ?? [];
      const missing = role.bindTo!.filter((s) => !subjects.some((e) => e.kind === s.kind && e.name === s.name && (e.namespace ?? '') === (s.namespace ?? '')));
      if (missing.length === 0) return false;
      existing['subjects'] = [...subjects, ...missing];
      return true;
    });
  }
}

/** The verbs the controller manager holds on custom resources: what the namespace controller and the garbage collector do with them. */
const CUSTOM_RESOURCE_VERBS = ['get', 'list', 'watch', 'delete', 'deletecollection', 'patch', 'update'];

/**
 * The rules of `CUSTOM_RESOURCES_ROLE` for the served custom resources: one
 * rule per group naming its resources. A resource a built-in kind also
 * serves in that group (a CRD may add a version to a built-in group, and
 * RBAC rules name no version) is left out, so no CRD can extend these
 * rights to built-in objects such as ClusterRoleBindings.
 */
export function customResourceRules(served: ReadonlyArray<{ group: string; resource: string }>): PolicyRule[] {
  const builtin = new Set(BUILTIN_RESOURCES.map(({ type }) => `${type.group}/${type.resource}`));
  const byGroup = new Map<string, Set<string>>();
  for (const { group, resource } of served) {
    if (builtin.has(`${group}/${resource}`)) continue;
    byGroup.set(group, (byGroup.get(group) ?? new Set()).add(resource));
  }
  return [...byGroup].sort(([a], [b]) => a.localeCompare(b)).map(([group, resources]) => rule([...CUSTOM_RESOURCE_VERBS], [group], [...resources].sort()));
}

/**
 * Sets the rules of `CUSTOM_RESOURCES_ROLE` to `customResourceRules(served)`,
 * creating the role (labelled as the bootstrap policy) when it is missing.
 * Its rules are replaced, not completed: a custom resource no longer served
 * loses its rule. A role annotated `rbac.authorization.kubernetes.io/autoupdate:
 * "false"` is left alone. Idempotent; writes only when the rules change, and
 * resolves true when it wrote.
 */
export async function reconcileCustomResourcesRole(registry: Registry, served: ReadonlyArray<{ group: string; resource: string }>): Promise<boolean> {
  const roles = resourceFor(RBAC_GROUP, 'v1', 'clusterroles')!;
  const rules = customResourceRules(served);
  let wrote = false;
  try {
    await registry.mutateRaw(roles, undefined, CUSTOM_RESOURCES_ROLE, (current) => {
      const annotations = ((current['metadata'] as Record<string, unknown>)['annotations'] ?? {}) as Record<string, string>;
      if (annotations[AUTOUPDATE] === 'false' || same(current['rules'] ?? [], rules)) return undefined;
      wrote = true;
      return { ...current, rules };
    });
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
    const role: ClusterRole = { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: bootstrapMetadata(CUSTOM_RESOURCES_ROLE), rules };
    await registry.create(roles, undefined, role as Record<string, unknown>);
    wrote = true;
  }
  return wrote;
}
