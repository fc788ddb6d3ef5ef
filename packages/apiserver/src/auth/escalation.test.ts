import type { PolicyRule } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLES } from './bootstrap-policy.js';
import { breakdownRule, compactRules, compactString, covers, escalationError, FULL_AUTHORITY, onlyMutatesGcFields, ruleCovers } from './escalation.js';

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
  resourceNames,
});
const u = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });
const held = (owner: PolicyRule[], servant: PolicyRule[]): boolean => covers(owner, servant).covered;
const rulesOf = (name: string): PolicyRule[] => DEFAULT_ROLES.find((d) => d.name === name)!.rules;

describe('breakdownRule', () => {
  it('splits a rule into one verb, group, resource and name each; URLs combine with verbs only', () => {
    expect(breakdownRule(r(['get', 'list'], ['', 'apps'], ['pods']))).toEqual([
      r(['get'], [''], ['pods']),
      r(['list'], [''], ['pods']),
      r(['get'], ['apps'], ['pods']),
      r(['list'], ['apps'], ['pods']),
    ]);
    expect(breakdownRule(r(['get'], [''], ['secrets'], ['a', 'b']))).toEqual([r(['get'], [''], ['secrets'], ['a']), r(['get'], [''], ['secrets'], ['b'])]);
    expect(breakdownRule(u(['get', 'post'], ['/metrics']))).toEqual([u(['get'], ['/metrics']), u(['post'], ['/metrics'])]);
    expect(breakdownRule({ verbs: ['get'] })).toEqual([]);
  });
});

describe('covers (Kubernetes semantics)', () => {
  it('verbs, groups and resources: exact or `*`', () => {
    expect(held([r(['get', 'list'], [''], ['pods'])], [r(['get'], [''], ['pods'])])).toBe(true);
    expect(held([r(['get'], [''], ['pods'])], [r(['get', 'delete'], [''], ['pods'])])).toBe(false);
    expect(held([r(['*'], [''], ['pods'])], [r(['escalate', 'bind'], [''], ['pods'])])).toBe(true);
    expect(held([r(['get'], [''], ['pods'])], [r(['get'], ['apps'], ['pods'])])).toBe(false);
    expect(held([r(['get'], ['*'], ['pods'])], [r(['get'], ['apps', 'batch'], ['pods'])])).toBe(true);
    expect(held([r(['get'], [''], ['*'])], [r(['get'], [''], ['pods', 'secrets', 'pods/log'])])).toBe(true);
    // Owning `*` as a verb does not mean owning the rule `*`: a servant's `*` must be owned as `*`.
    expect(held([r(['get', 'list', 'create'], [''], ['pods'])], [r(['*'], [''], ['pods'])])).toBe(false);
    expect(held([r(['get'], [''], ['pods'])], [r(['get'], [''], ['*'])])).toBe(false);
  });

  it('subresources: exact, `*/sub`, or `*`; a resource does not cover its subresources', () => {
    expect(held([r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods/log'])])).toBe(false);
    expect(held([r(['get'], [''], ['pods/log'])], [r(['get'], [''], ['pods/log'])])).toBe(true);
    expect(held([r(['get'], [''], ['pods/log'])], [r(['get'], [''], ['pods'])])).toBe(false);
    expect(held([r(['update'], ['apps'], ['*/scale'])], [r(['update'], ['apps'], ['deployments/scale', 'replicasets/scale'])])).toBe(true);
    expect(held([r(['update'], ['apps'], ['*/scale'])], [r(['update'], ['apps'], ['deployments'])])).toBe(false);
    expect(held([r(['update'], ['apps'], ['*/scale'])], [r(['update'], ['apps'], ['deployments/status'])])).toBe(false);
  });

  it('resourceNames: an owner without names covers named rules; named owners cover only their names', () => {
    expect(held([r(['get'], [''], ['secrets'])], [r(['get'], [''], ['secrets'], ['a'])])).toBe(true);
    expect(held([r(['get'], [''], ['secrets'], ['a', 'b'])], [r(['get'], [''], ['secrets'], ['a'])])).toBe(true);
    expect(held([r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'], ['a', 'c'])])).toBe(false);
    expect(held([r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'])])).toBe(false);
  });

  it('nonResourceURLs: exact or a `*` suffix; resource rules and URL rules never cover each other', () => {
    expect(held([u(['get'], ['/apis/*'])], [u(['get'], ['/apis/apps/v1', '/apis'])])).toBe(false);
    expect(held([u(['get'], ['/apis*'])], [u(['get'], ['/apis/apps/v1', '/apis'])])).toBe(true);
    expect(held([u(['get'], ['/healthz'])], [u(['get'], ['/healthz/etcd'])])).toBe(false);
    expect(held([u(['get'], ['*'])], [u(['get'], ['/anything'])])).toBe(true);
    expect(held([u(['get'], ['/metrics'])], [u(['post'], ['/metrics'])])).toBe(false);
    expect(held([r(['*'], ['*'], ['*'])], [u(['get'], ['/metrics'])])).toBe(false);
    expect(held([u(['*'], ['*'])], [r(['get'], [''], ['pods'])])).toBe(false);
  });

  it('lists what is missing, tuple by tuple, and nothing is needed to grant nothing', () => {
    const { covered, missing } = covers([r(['get'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods', 'secrets'])]);
    expect(covered).toBe(false);
    expect(missing).toEqual([r(['list'], [''], ['pods']), r(['get'], [''], ['secrets']), r(['list'], [''], ['secrets'])]);
    expect(held([], [])).toBe(true);
    expect(ruleCovers(r(['get'], [''], ['pods']), r(['get'], [''], ['pods']))).toBe(true);
  });

  it("holds the bootstrap roles' nesting: admin covers edit and view, edit covers view, none covers cluster-admin", () => {
    expect(held(rulesOf('admin'), rulesOf('edit'))).toBe(true);
    expect(held(rulesOf('admin'), rulesOf('view'))).toBe(true);
    expect(held(rulesOf('edit'), rulesOf('view'))).toBe(true);
    expect(held(rulesOf('edit'), rulesOf('admin'))).toBe(false);
    expect(held(rulesOf('view'), rulesOf('edit'))).toBe(false);
    expect(held(rulesOf('admin'), rulesOf('cluster-admin'))).toBe(false);
    expect(held(rulesOf('cluster-admin'), [...FULL_AUTHORITY, ...rulesOf('admin'), ...rulesOf('system:kube-controller-manager')])).toBe(true);
  });
});

describe('escalation messages', () => {
  it('compacts verbs of one group and resource and prints rules as Kubernetes does', () => {
    expect(compactRules([r(['get'], [''], ['pods']), r(['list'], [''], ['pods']), r(['get'], [''], ['secrets'], ['a'])])).toEqual([
      r(['get'], [''], ['secrets'], ['a']),
      r(['get', 'list'], [''], ['pods']),
    ]);
    expect(compactString(r(['get', 'list'], [''], ['pods']))).toBe('{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}');
    expect(compactString(r(['get'], [''], ['secrets'], ['a']))).toBe('{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}');
    expect(compactString(u(['*'], ['*']))).toBe('{NonResourceURLs:["*"], Verbs:["*"]}');
  });

  it('says who asks, with their groups, and the missing rules sorted, one a line', () => {
    const user = { name: 'jane', groups: ['dev', 'system:authenticated'] };
    expect(escalationError(user, [r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods'])])).toBeUndefined();
    expect(escalationError(user, [r(['get'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods']), ...FULL_AUTHORITY])).toBe(
      'user "jane" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}\n' +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n' +
        '{NonResourceURLs:["*"], Verbs:["*"]}',
    );
  });
});

describe('onlyMutatesGcFields', () => {
  const role = (meta: Record<string, unknown>, rules: PolicyRule[] = [r(['get'], [''], ['pods'])]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'x', namespace: 'ns', uid: 'u1', resourceVersion: '5', ...meta },
    rules,
  });
  it('lets ownerReferences and finalizers change, nothing else', () => {
    expect(onlyMutatesGcFields(role({ finalizers: ['foregroundDeletion'], resourceVersion: '6' }), role({}))).toBe(true);
    expect(onlyMutatesGcFields(role({ ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'o1' }] }), role({}))).toBe(true);
    expect(onlyMutatesGcFields(role({}, [r(['*'], ['*'], ['*'])]), role({}))).toBe(false);
    expect(onlyMutatesGcFields(role({ labels: { a: 'b' } }), role({}))).toBe(false);
    // Field order does not matter.
    const reordered = {
      rules: [{ resources: ['pods'], apiGroups: [''], verbs: ['get'] }],
      metadata: role({}).metadata,
      kind: 'Role',
      apiVersion: 'rbac.authorization.k8s.io/v1',
    };
    expect(onlyMutatesGcFields(reordered, role({}))).toBe(true);
  });
});
