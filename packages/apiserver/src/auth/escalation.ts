/**
 * RBAC escalation prevention, after Kubernetes' policy-based RBAC storage
 * (pkg/registry/rbac): nobody grants through RBAC what they do not hold.
 *
 * - Creating or updating a Role or ClusterRole needs every permission its
 *   rules grant (in the Role's namespace), unless the requester may
 *   `escalate` that role; setting or changing a ClusterRole's
 *   `aggregationRule` (which can gather anything) needs full authority
 *   (`*` on everything) unless they may `escalate`.
 * - Creating or updating a RoleBinding or ClusterRoleBinding needs the
 *   permissions of the role it references (in the binding's namespace),
 *   unless the requester may `bind` that role (resourceNames can name it).
 * - Updates that only touch ownerReferences or finalizers (the garbage
 *   collector's) pass; `system:masters` is never checked.
 *
 * The requester's permissions are their RBAC rules as the authorizer
 * evaluates them (`RuleResolver`); "holds" is Kubernetes' `Covers`: each rule
 * is broken down into single verb/group/resource/name tuples, and each tuple
 * must be within one owned rule (`*` verbs, groups and resources, `*\/sub`
 * subresources, non-resource URLs with a `*` suffix).
 */
import type { ClusterRole, PolicyRule, ResourceType, RoleRef } from '@mk8s/api';
import type { Obj, WatchCache } from '../cache/watch-cache.js';
import { errors, type Target } from '../errors.js';
import type { WriteCheck } from '../registry/registry.js';
import type { Attributes, Authorizer } from './attributes.js';
import { authorizeUnion, type RbacAuthorizer } from './rbac.js';
import { MASTERS_GROUP, type UserInfo } from './user.js';

const ALL = '*';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** What `cluster-admin` holds: needed to set an aggregationRule without `escalate`. */
export const FULL_AUTHORITY: readonly PolicyRule[] = [
  { verbs: [ALL], apiGroups: [ALL], resources: [ALL] },
  { verbs: [ALL], nonResourceURLs: [ALL] },
];

/** A rule as tuples of one verb, one group, one resource and at most one resource name (or one verb and one URL). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const names = rule.resourceNames ?? [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (names.length === 0) out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        else for (const name of names) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

function includesAll(set: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => set.includes(w));
}

function resourcesCover(owned: readonly string[], wanted: readonly string[]): boolean {
  if (owned.includes(ALL) || includesAll(owned, wanted)) return true;
  return wanted.every((r) => {
    if (owned.includes(r)) return true;
    const slash = r.indexOf('/');
    // `*/status` covers the status of every resource; a plain resource needs an exact match.
    return slash >= 0 && owned.includes(`${ALL}${r.slice(slash)}`);
  });
}

function urlCovers(owned: string, wanted: string): boolean {
  if (owned === wanted) return true;
  return owned.endsWith(ALL) && wanted.startsWith(owned.replace(/\*+$/, ''));
}

/** Whether `owner` covers `sub`, a tuple of `breakdownRule`. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const ownedVerbs = owner.verbs ?? [];
  const ownedGroups = owner.apiGroups ?? [];
  const ownedNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const verbs = ownedVerbs.includes(ALL) || includesAll(ownedVerbs, sub.verbs ?? []);
  const groups = ownedGroups.includes(ALL) || includesAll(ownedGroups, sub.apiGroups ?? []);
  const resources = resourcesCover(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => urlCovers(o, u)));
  const names = ownedNames.length === 0 || (subNames.length > 0 && includesAll(ownedNames, subNames));
  return verbs && groups && resources && urls && names;
}

/** Kubernetes' `Covers`: whether `owner` rules allow all that `servant` rules do, and the tuples they do not. */
export function covers(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = servant.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  return { covered: missing.length === 0, missing };
}

/** Merges rules of one group and one resource (no names, no URLs) that differ only by verb, for messages. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = (r.resourceNames ?? []).length === 0 && (r.nonResourceURLs ?? []).length === 0 && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0]]);
    const merged = simple.get(key);
    if (merged) merged.verbs = [...merged.verbs, ...(r.verbs ?? [])];
    else simple.set(key, { apiGroups: [...r.apiGroups!], resources: [...r.resources!], verbs: [...(r.verbs ?? [])] });
  }
  return [...out, ...simple.values()];
}

/** Go's `%q` of a string list: `["" "pods"]`. */
function quoteList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** Kubernetes' compact rule form of escalation messages: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  const field = (label: string, list: readonly string[] | undefined): void => {
    if (list && list.length > 0) parts.push(`${label}:${quoteList(list)}`);
  };
  field('APIGroups', rule.apiGroups);
  field('Resources', rule.resources);
  field('NonResourceURLs', rule.nonResourceURLs);
  field('ResourceNames', rule.resourceNames);
  field('Verbs', rule.verbs);
  return `{${parts.join(', ')}}`;
}

/** Kubernetes' `ConfirmNoEscalation` as a function of the owned rules: the reason to refuse, or undefined. */
export function escalationError(user: UserInfo, owned: readonly PolicyRule[], granted: readonly PolicyRule[]): string | undefined {
  const { covered, missing } = covers(owned, granted);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  return `user ${JSON.stringify(user.name)} (groups=${quoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
}

/**
 * The user's effective RBAC rules (Kubernetes' `RulesFor`): those of every
 * ClusterRoleBinding naming them and, in `namespace`, of every RoleBinding
 * there, with aggregated ClusterRoles' rules, as `RbacAuthorizer` evaluates them.
 */
export class RuleResolver {
  constructor(
    private readonly rbac: RbacAuthorizer,
    private readonly cache: WatchCache,
  ) {}

  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    return [...this.rbac.applicableRules(user, namespace)].flat();
  }

  /** The rules a roleRef grants in the binding's namespace; a 404 for a role that does not exist. */
  async roleRefRules(roleRef: RoleRef, namespace: string): Promise<PolicyRule[]> {
    let rules = this.rbac.roleRefRules(roleRef, namespace);
    if (!rules) {
      // Created a moment ago? Wait for the cache to see the store before saying it does not exist.
      await this.cache.fresh();
      rules = this.rbac.roleRefRules(roleRef, namespace);
    }
    if (rules) return rules;
    const resource = roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    throw errors.notFound({ qualifiedResource: `${resource}.${RBAC_GROUP}`, group: RBAC_GROUP, kind: roleRef.kind, name: roleRef.name });
  }
}

/** Stable JSON (sorted keys), to compare objects whatever order their fields were decoded in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Obj;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Whether an update changes nothing but what the garbage collector changes (ownerReferences, finalizers). */
export function onlyMutatesGcFields(obj: Obj, old: Obj): boolean {
  const strip = (o: Obj): Obj => {
    const m = { ...((o['metadata'] as Obj | undefined) ?? {}) };
    for (const f of ['ownerReferences', 'finalizers', 'selfLink', 'resourceVersion', 'managedFields']) delete m[f];
    return { ...o, metadata: m };
  };
  return canonical(strip(obj)) === canonical(strip(old));
}

function hasAggregationRule(role: Obj | undefined): boolean {
  return ((role as ClusterRole | undefined)?.aggregationRule?.clusterRoleSelectors ?? []).length > 0;
}

export interface EscalationDeps {
  /** The configured authorizers, asked whether the user may `escalate` or `bind`. */
  authorizers: readonly Authorizer[];
  resolver: RuleResolver;
}

function resourceAttributes(user: UserInfo, verb: string, resource: string, namespace: string, name: string): Attributes {
  return { user, verb, resourceRequest: true, path: '', namespace, apiGroup: RBAC_GROUP, apiVersion: '*', resource, subresource: '', name };
}

const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);

/**
 * The check of a create, update or patch of `rt` in `namespace` by `user`
 * (`name` from the URL; none on create), or undefined when there is nothing
 * to check: not an RBAC role or binding, a `system:masters` user, or a user
 * who may `escalate` the role.
 */
export async function escalationCheck(
  deps: EscalationDeps,
  rt: ResourceType,
  namespace: string,
  name: string,
  user: UserInfo,
): Promise<WriteCheck | undefined> {
  if (rt.group !== RBAC_GROUP || !(ROLE_RESOURCES.has(rt.resource) || BINDING_RESOURCES.has(rt.resource))) return undefined;
  if (user.groups.includes(MASTERS_GROUP)) return undefined;
  const target = (obj: Obj): Target => ({
    qualifiedResource: `${rt.resource}.${RBAC_GROUP}`,
    group: RBAC_GROUP,
    kind: rt.kind,
    name: String((obj['metadata'] as Obj | undefined)?.['name'] ?? ''),
  });
  const refuse = (obj: Obj, why: string | undefined): void => {
    if (why !== undefined) throw errors.forbidden(target(obj), why);
  };
  const allowed = async (verb: string, resource: string, ns: string, n: string): Promise<boolean> =>
    (await authorizeUnion(deps.authorizers, resourceAttributes(user, verb, resource, ns, n))).decision === 'allow';

  if (ROLE_RESOURCES.has(rt.resource)) {
    if (await allowed('escalate', rt.resource, namespace, name)) return undefined;
    return (obj, old) => {
      if (old && onlyMutatesGcFields(obj, old)) return;
      const owned = deps.resolver.rulesFor(user, namespace);
      refuse(obj, escalationError(user, owned, (obj['rules'] as PolicyRule[] | undefined) ?? []));
      if (rt.resource === 'clusterroles' && (hasAggregationRule(obj) || hasAggregationRule(old)) && !covers(owned, FULL_AUTHORITY).covered) {
        refuse(obj, 'must have cluster-admin privileges to use the aggregationRule');
      }
    };
  }
  return async (obj, old) => {
    if (old && onlyMutatesGcFields(obj, old)) return;
    const roleRef = obj['roleRef'] as RoleRef;
    const roleResource = roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if (await allowed('bind', roleResource, namespace, roleRef.name)) return;
    const granted = await deps.resolver.roleRefRules(roleRef, namespace);
    refuse(obj, escalationError(user, deps.resolver.rulesFor(user, namespace), granted));
  };
}
