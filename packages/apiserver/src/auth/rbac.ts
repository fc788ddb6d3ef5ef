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
import { selectorFromLabelSelector, type ClusterRole, type PolicyRule, type RoleBinding, type RoleRef, type Subject } from '@mk8s/api';
import type { WatchCache } from '../cache/watch-cache.js';
import { listPrefix, objectKey } from '../registry/keys.js';
import type { Attributes, Authorizer, AuthorizerResult } from './attributes.js';
import { rulesAllow } from './rbac-rules.js';
import type { UserInfo } from './user.js';

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

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

export class RbacAuthorizer implements Authorizer {
  readonly name = 'RBAC';
  constructor(private readonly cache: WatchCache) {}

  authorize(attrs: Attributes): AuthorizerResult {
    for (const rules of this.applicableRules(attrs.user, attrs.namespace)) {
      if (rulesAllow(attrs, rules)) return { decision: 'allow' };
    }
    return { decision: 'noopinion' };
  }

  /** The rule sets that apply to `user` in `namespace` ('' for cluster-scoped requests), lazily, cluster-wide first. */
  *applicableRules(user: UserInfo, namespace: string): Generator<PolicyRule[]> {
    for (const b of this.cache.list('clusterrolebindings', listPrefix('clusterrolebindings')) as unknown as RoleBinding[]) {
      if (b.roleRef?.kind !== 'ClusterRole') continue;
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, ''))) continue;
      yield this.clusterRoleRules(b.roleRef.name);
    }
    if (!namespace) return;
    for (const b of this.cache.list('rolebindings', listPrefix('rolebindings', namespace)) as unknown as RoleBinding[]) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) continue;
      if (b.roleRef?.kind === 'ClusterRole') yield this.clusterRoleRules(b.roleRef.name);
      else if (b.roleRef?.kind === 'Role') {
        const role = this.cache.get('roles', objectKey('roles', namespace, b.roleRef.name)) as Obj | undefined;
        yield (role?.['rules'] as PolicyRule[] | undefined) ?? [];
      }
    }
  }

  /**
   * The rules a binding's roleRef grants in `namespace` (the binding's; '' for a
   * ClusterRoleBinding), aggregated ones included; undefined when the role does not exist.
   */
  roleRefRules(roleRef: RoleRef, namespace: string): PolicyRule[] | undefined {
    if (roleRef.kind === 'ClusterRole') {
      return this.cache.get('clusterroles', objectKey('clusterroles', undefined, roleRef.name)) ? this.clusterRoleRules(roleRef.name) : undefined;
    }
    if (roleRef.kind !== 'Role' || !namespace) return undefined;
    const role = this.cache.get('roles', objectKey('roles', namespace, roleRef.name)) as Obj | undefined;
    return role ? ((role['rules'] as PolicyRule[] | undefined) ?? []) : undefined;
  }

  private clusterRoleRules(name: string): PolicyRule[] {
    const role = this.cache.get('clusterroles', objectKey('clusterroles', undefined, name)) as unknown as ClusterRole | undefined;
    if (!role) return [];
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

/** Allows everything (`--authorization-mode AlwaysAllow`, the insecure default). */
export const alwaysAllow: Authorizer = { name: 'AlwaysAllow', authorize: () => ({ decision: 'allow' }) };
/** Denies everything (`AlwaysDeny`, for tests). */
export const alwaysDeny: Authorizer = { name: 'AlwaysDeny', authorize: () => ({ decision: 'deny' }) };

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
