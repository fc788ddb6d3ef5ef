/**
 * The RBAC authorizer: allows a request when a ClusterRoleBinding, or a
 * RoleBinding of the request's namespace, binds the user (by name, by group,
 * or as a ServiceAccount `system:serviceaccount:<ns>:<name>`) to a Role or
 * ClusterRole with a rule that allows it. It never denies: without a
 * matching rule it has no opinion, and the request is forbidden unless
 * another mode allows it.
 *
 * Reads the roles and bindings from the watch cache on every request (no
 * store reads). A ClusterRole with an `aggregationRule` also holds the rules
 * of every ClusterRole its selectors match, evaluated when asked, as
 * Kubernetes' aggregation controller would have written them.
 */
import {
  selectorFromLabelSelector,
  type ClusterRole,
  type NonResourceRule,
  type PolicyRule,
  type ResourceRule,
  type RoleBinding,
  type RoleRef,
  type Subject,
} from '@mk8s/api';
import type { WatchCache } from '../cache/watch-cache.js';
import { listPrefix, objectKey } from '../registry/keys.js';
import type { Attributes, Authorizer, AuthorizerResult, SubjectRules } from './attributes.js';
import { rulesAllow } from './rbac-rules.js';
import type { UserInfo } from './user.js';

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Whether a binding's subject names this user (`bindingNamespace` defaults a ServiceAccount's namespace). */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.name === `${SERVICE_ACCOUNT_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

type Obj = Record<string, unknown>;

/** A subject as Kubernetes' RBAC reasons name it: `User "jane"`, `ServiceAccount "ns/name"`. */
function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount ${JSON.stringify(`${s.namespace || bindingNamespace}/${s.name}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

export class RbacAuthorizer implements Authorizer {
  readonly name = 'RBAC';
  constructor(private readonly cache: WatchCache) {}

  /** Allows with Kubernetes' reason, naming the binding, its role and the subject that matched (what a SubjectAccessReview shows). */
  authorize(attrs: Attributes): AuthorizerResult {
    for (const r of this.resolveBindings(attrs.user, attrs.namespace)) {
      if (r.rules && rulesAllow(attrs, r.rules)) return { decision: 'allow', reason: `RBAC: allowed by ${r.source()}` };
    }
    return { decision: 'noopinion' };
  }

  /** The rule sets that apply to `user` in `namespace` ('' for cluster-scoped requests), lazily, cluster-wide first; a missing role grants nothing. */
  *applicableRules(user: UserInfo, namespace: string): Generator<PolicyRule[]> {
    for (const r of this.resolveBindings(user, namespace)) if (r.rules) yield r.rules;
  }

  /**
   * Kubernetes' rule resolver `RulesFor`: every rule of every ClusterRoleBinding
   * naming `user` and, in `namespace`, of every RoleBinding there (aggregated
   * ClusterRoles included), in that order, with an error for each bound role
   * that does not exist (`clusterrole.rbac.authorization.k8s.io "x" not found`).
   */
  policyRulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const r of this.resolveBindings(user, namespace)) {
      if (r.rules) rules.push(...r.rules);
      else errors.push(r.error);
    }
    return { rules, errors };
  }

  /**
   * Kubernetes' `RBACAuthorizer.RulesFor` (SelfSubjectRulesReview): the rules
   * of `policyRulesFor`, a rule with resources as a resource rule and one with
   * non-resource URLs as a non-resource rule. Never incomplete; missing roles
   * are its errors.
   */
  rulesFor(user: UserInfo, namespace: string): SubjectRules {
    const { rules, errors } = this.policyRulesFor(user, namespace);
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const r of rules) {
      if ((r.resources ?? []).length > 0) {
        resourceRules.push(omitEmpty({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames }));
      }
      if ((r.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
    }
    return { resourceRules, nonResourceRules, incomplete: false, errors };
  }

  /**
   * Each binding of `user` that applies in `namespace`, with its role's rules
   * or why they could not be read, and `source`: the binding as Kubernetes
   * describes it (`RoleBinding "b/ns" of ClusterRole "edit" to Group "devs"`).
   */
  private *resolveBindings(
    user: UserInfo,
    namespace: string,
  ): Generator<({ rules: PolicyRule[]; error?: never } | { rules?: never; error: string }) & { source: () => string }> {
    for (const b of this.cache.list('clusterrolebindings', listPrefix('clusterrolebindings')) as unknown as RoleBinding[]) {
      if (b.roleRef?.kind !== 'ClusterRole') continue;
      const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, ''));
      if (!subject) continue;
      const source = () =>
        `ClusterRoleBinding ${JSON.stringify(b.metadata?.name ?? '')} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, '')}`;
      yield { ...this.resolveRoleRef(b.roleRef, ''), source };
    }
    if (!namespace) return;
    for (const b of this.cache.list('rolebindings', listPrefix('rolebindings', namespace)) as unknown as RoleBinding[]) {
      const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, namespace));
      if (!subject) continue;
      const source = () =>
        `RoleBinding ${JSON.stringify(`${b.metadata?.name ?? ''}/${namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, namespace)}`;
      if (b.roleRef?.kind === 'ClusterRole' || b.roleRef?.kind === 'Role') yield { ...this.resolveRoleRef(b.roleRef, namespace), source };
    }
  }

  private resolveRoleRef(roleRef: RoleRef, namespace: string): { rules: PolicyRule[] } | { error: string } {
    const rules = this.roleRefRules(roleRef, namespace);
    // The wording of Kubernetes' listers: the singular, lower-case kind.
    return rules ? { rules } : { error: `${roleRef.kind.toLowerCase()}.${RBAC_GROUP} ${JSON.stringify(roleRef.name)} not found` };
  }

  /**
   * The rules a binding's roleRef grants in `namespace` (the binding's; '' for a
   * ClusterRoleBinding), aggregated ones included; undefined when the role does not exist.
   */
  roleRefRules(roleRef: RoleRef, namespace: string): PolicyRule[] | undefined {
    if (roleRef.kind === 'ClusterRole') return this.clusterRoleRules(roleRef.name);
    if (roleRef.kind !== 'Role' || !namespace) return undefined;
    const role = this.cache.get('roles', objectKey('roles', namespace, roleRef.name)) as Obj | undefined;
    return role ? ((role['rules'] as PolicyRule[] | undefined) ?? []) : undefined;
  }

  private clusterRoleRules(name: string): PolicyRule[] | undefined {
    const role = this.cache.get('clusterroles', objectKey('clusterroles', undefined, name)) as unknown as ClusterRole | undefined;
    if (!role) return undefined;
    const rules = [...(role.rules ?? [])];
    const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
    if (selectors.length === 0) return rules;
    const parsed = selectors.flatMap((s) => {
      try {
        return [selectorFromLabelSelector(s)];
      } catch {
        return [];
      }
    });
    for (const other of this.cache.list('clusterroles', listPrefix('clusterroles')) as unknown as ClusterRole[]) {
      if (other.metadata?.name === name) continue;
      const labels = other.metadata?.labels ?? {};
      if (parsed.some((sel) => sel.matches(labels))) rules.push(...(other.rules ?? []));
    }
    return rules;
  }
}

/** Allows everything (`--authorization-mode AlwaysAllow`, the insecure default); its rules are `*` on everything, complete. */
export const alwaysAllow: Authorizer = {
  name: 'AlwaysAllow',
  authorize: () => ({ decision: 'allow' }),
  rulesFor: () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
    errors: [],
  }),
};
/** Denies everything (`AlwaysDeny`, for tests); it grants no rules. */
export const alwaysDeny: Authorizer = {
  name: 'AlwaysDeny',
  authorize: () => ({ decision: 'deny' }),
  rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] }),
};

/** Kubernetes' union authorizer: the first mode that allows or denies decides; reasons of the others are kept for the 403. */
export async function authorizeUnion(authorizers: readonly Authorizer[], attrs: Attributes): Promise<AuthorizerResult> {
  const reasons: string[] = [];
  for (const a of authorizers) {
    const r = await a.authorize(attrs);
    if (r.decision !== 'noopinion') return r;
    if (r.reason) reasons.push(r.reason);
  }
  return { decision: 'noopinion', reason: reasons.join(', ') || undefined };
}

/**
 * Kubernetes' union rule resolver: the rules of every mode, in order, one
 * list of each kind; incomplete when any mode's are; every mode's errors.
 */
export function rulesForUnion(authorizers: readonly Authorizer[], user: UserInfo, namespace: string): SubjectRules {
  const out: SubjectRules = { resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] };
  for (const a of authorizers) {
    const r = a.rulesFor(user, namespace);
    out.resourceRules.push(...r.resourceRules);
    out.nonResourceRules.push(...r.nonResourceRules);
    out.incomplete ||= r.incomplete;
    out.errors.push(...r.errors);
  }
  return out;
}

/** The message of Go's `utilerrors.NewAggregate`: none, the one, or `[a, b]` without repeats. */
export function aggregateMessage(errors: readonly string[]): string | undefined {
  const unique = [...new Set(errors)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** Leaves out the empty lists a Go `omitempty` field would not print. */
function omitEmpty(rule: ResourceRule): ResourceRule {
  const out: ResourceRule = { verbs: rule.verbs };
  if ((rule.apiGroups ?? []).length > 0) out.apiGroups = rule.apiGroups;
  if ((rule.resources ?? []).length > 0) out.resources = rule.resources;
  if ((rule.resourceNames ?? []).length > 0) out.resourceNames = rule.resourceNames;
  return out;
}
