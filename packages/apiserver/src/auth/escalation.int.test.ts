// RBAC escalation prevention against a real server with tokens and RBAC:
// nobody grants, through a Role, a ClusterRole or a binding, permissions
// they do not hold, unless they may `escalate` the role or `bind` it
// (Kubernetes' pkg/registry/rbac policy-based storage).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../testing/test-support.js';
import type { UserInfo } from './user.js';

const TOKENS = new Map<string, UserInfo>([
  ['admin-token', { name: 'admin', groups: ['system:masters'] }],
  ['alice-token', { name: 'alice', groups: [] }],
  ['rob-token', { name: 'rob', groups: ['role-editors'] }],
  ['eve-token', { name: 'eve', groups: [] }],
  ['bill-token', { name: 'bill', groups: [] }],
  ['root-token', { name: 'root', groups: [] }],
  ['cm-token', { name: 'system:kube-controller-manager', groups: [] }],
]);

const RBAC = 'rbac.authorization.k8s.io';
const V1 = `/apis/${RBAC}/v1`;

interface Reply {
  status: number;
  body: any;
}

async function req(base: string, token: string, method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(base + p, { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

type Rule = { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };
const clusterRole = (name: string, rules: Rule[], extra: Record<string, unknown> = {}) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRole',
  metadata: { name },
  rules,
  ...extra,
});
const role = (name: string, rules: Rule[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name }, rules });
const user = (name: string) => ({ kind: 'User', apiGroup: RBAC, name });
const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleKind: 'Role' | 'ClusterRole', roleName: string, subject = user('nobody')) => ({
  apiVersion: `${RBAC}/v1`,
  kind,
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName },
  subjects: [subject],
});

const CLUSTER_ADMIN_MISSING = '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}';

describe('RBAC escalation prevention', () => {
  let server: TestServer;
  const as = (token: string, method: string, p: string, body?: unknown, contentType?: string) => req(server.url, token, method, p, body, contentType);
  const asAdmin = async (method: string, p: string, body?: unknown) => {
    const r = await as('admin-token', method, p, body);
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r;
  };

  beforeAll(async () => {
    server = await startServer({ auth: { tokens: TOKENS, authorizationModes: ['Node', 'RBAC'] } });
    await asAdmin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    // alice: namespace admin of "team".
    await asAdmin('POST', `${V1}/namespaces/team/rolebindings`, binding('RoleBinding', 'alice-admin', 'ClusterRole', 'admin', user('alice')));
    // rob (through his group): reads and writes ClusterRoles, nothing else.
    await asAdmin(
      'POST',
      `${V1}/clusterroles`,
      clusterRole('clusterrole-editor', [{ verbs: ['get', 'list', 'create', 'update', 'patch'], apiGroups: [RBAC], resources: ['clusterroles'] }]),
    );
    await asAdmin(
      'POST',
      `${V1}/clusterrolebindings`,
      binding('ClusterRoleBinding', 'clusterrole-editors', 'ClusterRole', 'clusterrole-editor', { kind: 'Group', apiGroup: RBAC, name: 'role-editors' }),
    );
    // eve: writes roles and ClusterRoles, and may escalate the ClusterRole "eve-role" and any Role in "team".
    await asAdmin(
      'POST',
      `${V1}/clusterroles`,
      clusterRole('escalator', [
        { verbs: ['get', 'create', 'update', 'patch'], apiGroups: [RBAC], resources: ['clusterroles', 'roles'] },
        { verbs: ['escalate'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['eve-role'] },
      ]),
    );
    await asAdmin('POST', `${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'eve', 'ClusterRole', 'escalator', user('eve')));
    await asAdmin('POST', `${V1}/namespaces/team/roles`, role('role-escalator', [{ verbs: ['escalate'], apiGroups: [RBAC], resources: ['roles'] }]));
    await asAdmin('POST', `${V1}/namespaces/team/rolebindings`, binding('RoleBinding', 'eve-escalates', 'Role', 'role-escalator', user('eve')));
    // bill: creates bindings and may bind cluster-admin only.
    await asAdmin(
      'POST',
      `${V1}/clusterroles`,
      clusterRole('binder', [
        { verbs: ['create', 'get', 'update', 'patch'], apiGroups: [RBAC], resources: ['clusterrolebindings', 'rolebindings'] },
        { verbs: ['bind'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['cluster-admin'] },
      ]),
    );
    await asAdmin('POST', `${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'bill', 'ClusterRole', 'binder', user('bill')));
    // root: cluster-admin through a binding, not system:masters.
    await asAdmin('POST', `${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'root', 'ClusterRole', 'cluster-admin', user('root')));
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('bindings', () => {
    it('a namespace admin cannot bind cluster-admin in its namespace (403, Kubernetes wording)', async () => {
      const r = await as(
        'alice-token',
        'POST',
        `${V1}/namespaces/team/rolebindings`,
        binding('RoleBinding', 'grab', 'ClusterRole', 'cluster-admin', user('alice')),
      );
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        details: { name: 'grab', group: RBAC, kind: 'rolebindings' },
        message: `rolebindings.${RBAC} "grab" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n${CLUSTER_ADMIN_MISSING}`,
      });
      expect((await as('admin-token', 'GET', `${V1}/namespaces/team/rolebindings/grab`)).status).toBe(404);
      // She still holds only what admin allows: no token requests, no quota writes.
      expect(
        (
          await as('alice-token', 'POST', '/api/v1/namespaces/team/resourcequotas', {
            apiVersion: 'v1',
            kind: 'ResourceQuota',
            metadata: { name: 'q' },
            spec: { hard: { pods: '1000' } },
          })
        ).status,
      ).toBe(403);
    });

    it('a namespace admin binds edit, view and admin, whose rules it holds, and Roles within its rights', async () => {
      for (const name of ['edit', 'view', 'admin']) {
        const r = await as(
          'alice-token',
          'POST',
          `${V1}/namespaces/team/rolebindings`,
          binding('RoleBinding', `bob-${name}`, 'ClusterRole', name, user('bob')),
        );
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
      expect(
        (
          await as(
            'alice-token',
            'POST',
            `${V1}/namespaces/team/roles`,
            role('pod-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] }]),
          )
        ).status,
      ).toBe(201);
      expect(
        (await as('alice-token', 'POST', `${V1}/namespaces/team/rolebindings`, binding('RoleBinding', 'bob-pods', 'Role', 'pod-reader', user('bob')))).status,
      ).toBe(201);
    });

    it('a binding to a role that does not exist is a 404 unless the requester may bind it', async () => {
      const r = await as('alice-token', 'POST', `${V1}/namespaces/team/rolebindings`, binding('RoleBinding', 'ghost', 'Role', 'no-such-role'));
      expect(r.status).toBe(404);
      expect(r.body.message).toBe(`roles.${RBAC} "no-such-role" not found`);
    });

    it('checks updates and patches of bindings on the resulting object', async () => {
      await asAdmin('POST', `${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'ops-admins', 'ClusterRole', 'cluster-admin', user('ops')));
      // rob cannot touch bindings at all; bill may bind cluster-admin, so he may change its subjects.
      const patch = [{ op: 'add', path: '/subjects/-', value: user('carol') }];
      expect((await as('bill-token', 'PATCH', `${V1}/clusterrolebindings/ops-admins`, patch, 'application/json-patch+json')).status).toBe(200);
      // A ClusterRoleBinding to admin: bill neither may bind it nor holds its rules, even by PUT or patch.
      await asAdmin('POST', `${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'admins', 'ClusterRole', 'admin', user('someone')));
      const r = await as('bill-token', 'PATCH', `${V1}/clusterrolebindings/admins`, { subjects: [user('bill')] }, 'application/merge-patch+json');
      expect(r.status).toBe(403);
      expect(r.body.message).toMatch(
        new RegExp(
          `^clusterrolebindings\\.${RBAC.replace(/\./g, '\\.')} "admins" is forbidden: user "bill" \\(groups=\\["system:authenticated"\\]\\) is attempting to grant RBAC permissions not currently held:\\n`,
        ),
      );
      const current = (await as('admin-token', 'GET', `${V1}/clusterrolebindings/admins`)).body;
      expect(current.subjects).toEqual([user('someone')]);
      expect((await as('bill-token', 'PUT', `${V1}/clusterrolebindings/admins`, { ...current, subjects: [user('bill')] })).status).toBe(403);
      // Server-side dry run is checked too.
      expect(
        (await as('bill-token', 'POST', `${V1}/clusterrolebindings?dryRun=All`, binding('ClusterRoleBinding', 'dry', 'ClusterRole', 'admin'))).status,
      ).toBe(403);
      // Only the garbage collector's fields (finalizers, ownerReferences) may change without holding the role.
      expect(
        (
          await as(
            'bill-token',
            'PATCH',
            `${V1}/clusterrolebindings/admins`,
            { metadata: { finalizers: ['example.com/hold'] } },
            'application/merge-patch+json',
          )
        ).status,
      ).toBe(200);
      expect(
        (await as('bill-token', 'PATCH', `${V1}/clusterrolebindings/admins`, { metadata: { finalizers: null } }, 'application/merge-patch+json')).status,
      ).toBe(200);
    });

    it('`bind` allows binding a role one does not hold; resourceNames restrict it', async () => {
      expect(
        (await as('bill-token', 'POST', `${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'bill-root', 'ClusterRole', 'cluster-admin', user('carol'))))
          .status,
      ).toBe(201);
      expect(
        (await as('bill-token', 'POST', `${V1}/namespaces/team/rolebindings`, binding('RoleBinding', 'bill-ca', 'ClusterRole', 'cluster-admin', user('carol'))))
          .status,
      ).toBe(201);
      const r = await as('bill-token', 'POST', `${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'bill-view', 'ClusterRole', 'view', user('carol')));
      expect(r.status).toBe(403);
      expect(r.body.message).toContain('{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "list" "watch"]}');
    });
  });

  describe('roles', () => {
    it('a Role may grant only what its author holds in its namespace', async () => {
      let r = await as(
        'alice-token',
        'POST',
        `${V1}/namespaces/team/roles`,
        role('nodes', [{ verbs: ['get'], apiGroups: [''], resources: ['nodes', 'pods'] }]),
      );
      expect(r.status).toBe(403);
      expect(r.body.message).toBe(
        `roles.${RBAC} "nodes" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}`,
      );
      r = await as('alice-token', 'POST', `${V1}/namespaces/team/roles`, role('star', [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }]));
      expect(r.status).toBe(403);
      expect(r.body.message).toContain('{APIGroups:[""], Resources:["pods"], Verbs:["*"]}');
      r = await as(
        'alice-token',
        'POST',
        `${V1}/namespaces/team/roles`,
        role('tokens', [{ verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] }]),
      );
      expect(r.status).toBe(403);
      // Updates and every kind of patch are checked on the result; the stored Role stays as it was.
      const more = { verbs: ['update'], apiGroups: [''], resources: ['services/status'] };
      const current = (await as('alice-token', 'GET', `${V1}/namespaces/team/roles/pod-reader`)).body;
      expect((await as('alice-token', 'PUT', `${V1}/namespaces/team/roles/pod-reader`, { ...current, rules: [...current.rules, more] })).status).toBe(403);
      expect(
        (
          await as(
            'alice-token',
            'PATCH',
            `${V1}/namespaces/team/roles/pod-reader`,
            [{ op: 'add', path: '/rules/-', value: more }],
            'application/json-patch+json',
          )
        ).status,
      ).toBe(403);
      expect((await as('alice-token', 'PATCH', `${V1}/namespaces/team/roles/pod-reader`, { rules: [more] }, 'application/merge-patch+json')).status).toBe(403);
      expect(
        (await as('alice-token', 'PATCH', `${V1}/namespaces/team/roles/pod-reader`, { rules: [more] }, 'application/strategic-merge-patch+json')).status,
      ).toBe(403);
      expect((await as('alice-token', 'GET', `${V1}/namespaces/team/roles/pod-reader`)).body.rules).toEqual(current.rules);
      // Within her rights, she may change it.
      expect(
        (
          await as(
            'alice-token',
            'PATCH',
            `${V1}/namespaces/team/roles/pod-reader`,
            { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] },
            'application/merge-patch+json',
          )
        ).status,
      ).toBe(200);
    });

    it('a user with update on clusterroles cannot add rules it does not have', async () => {
      await asAdmin('POST', `${V1}/clusterroles`, clusterRole('reader', [{ verbs: ['get'], apiGroups: [RBAC], resources: ['clusterroles'] }]));
      let r = await as(
        'rob-token',
        'PATCH',
        `${V1}/clusterroles/reader`,
        [{ op: 'add', path: '/rules/-', value: { verbs: ['*'], apiGroups: ['*'], resources: ['*'] } }],
        'application/json-patch+json',
      );
      expect(r.status).toBe(403);
      expect(r.body.message).toBe(
        `clusterroles.${RBAC} "reader" is forbidden: user "rob" (groups=["role-editors" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}`,
      );
      // He cannot edit his own role into cluster-admin either.
      r = await as(
        'rob-token',
        'PATCH',
        `${V1}/clusterroles/clusterrole-editor`,
        {
          rules: [
            { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
            { verbs: ['*'], nonResourceURLs: ['*'] },
          ],
        },
        'application/merge-patch+json',
      );
      expect(r.status).toBe(403);
      expect(r.body.message).toContain(CLUSTER_ADMIN_MISSING);
      expect(
        (await as('rob-token', 'POST', `${V1}/clusterroles`, clusterRole('secrets', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]))).status,
      ).toBe(403);
      // What he holds he may grant.
      r = await as(
        'rob-token',
        'PATCH',
        `${V1}/clusterroles/reader`,
        [{ op: 'add', path: '/rules/-', value: { verbs: ['list'], apiGroups: [RBAC], resources: ['clusterroles'] } }],
        'application/json-patch+json',
      );
      expect(r.status).toBe(200);
      expect(
        (
          await as(
            'rob-token',
            'POST',
            `${V1}/clusterroles`,
            clusterRole('mine', [{ verbs: ['get'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['mine'] }]),
          )
        ).status,
      ).toBe(201);
    });

    it('an aggregationRule needs escalate (or full authority), whatever its selector', async () => {
      for (const selectors of [[{}], [{ matchLabels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }]]) {
        const r = await as(
          'rob-token',
          'POST',
          `${V1}/clusterroles`,
          clusterRole('aggregate-all', [], { aggregationRule: { clusterRoleSelectors: selectors } }),
        );
        expect(r.status).toBe(403);
        expect(r.body.message).toBe(`clusterroles.${RBAC} "aggregate-all" is forbidden: must have cluster-admin privileges to use the aggregationRule`);
      }
      let r = await as('rob-token', 'PATCH', `${V1}/clusterroles/reader`, { aggregationRule: { clusterRoleSelectors: [{}] } }, 'application/merge-patch+json');
      expect(r.status).toBe(403);
      // The rules a ClusterRole would aggregate never reached rob.
      expect((await as('rob-token', 'GET', '/api/v1/namespaces/team/secrets')).status).toBe(403);
      // eve may escalate "eve-role": an aggregationRule there is hers to set.
      r = await as(
        'eve-token',
        'POST',
        `${V1}/clusterroles`,
        clusterRole('eve-role', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: 'x' } }] } }),
      );
      expect(r.status).toBe(403); // a create has no name yet: resourceNames cannot allow it
      await asAdmin('POST', `${V1}/clusterroles`, clusterRole('eve-role', []));
      r = await as(
        'eve-token',
        'PATCH',
        `${V1}/clusterroles/eve-role`,
        { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: 'x' } }] } },
        'application/merge-patch+json',
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      // root holds everything (cluster-admin through a binding): no escalate needed.
      expect(
        (await as('root-token', 'POST', `${V1}/clusterroles`, clusterRole('aggregate-all', [], { aggregationRule: { clusterRoleSelectors: [{}] } }))).status,
      ).toBe(201);
    });

    it('`escalate` allows granting what one does not hold; resourceNames restrict it', async () => {
      const all = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }];
      expect((await as('eve-token', 'PATCH', `${V1}/clusterroles/eve-role`, { rules: all }, 'application/merge-patch+json')).status).toBe(200);
      expect((await as('eve-token', 'PATCH', `${V1}/clusterroles/reader`, { rules: all }, 'application/merge-patch+json')).status).toBe(403);
      expect((await as('eve-token', 'POST', `${V1}/clusterroles`, clusterRole('eve-other', all))).status).toBe(403);
      // escalate on roles in "team": any Role there, created or updated.
      expect((await as('eve-token', 'POST', `${V1}/namespaces/team/roles`, role('eve-all', all))).status).toBe(201);
      expect((await as('eve-token', 'POST', `${V1}/namespaces/default/roles`, role('eve-all', all))).status).toBe(403);
    });
  });

  it('cluster-admin (system:masters, or bound to cluster-admin) does anything', async () => {
    const all = [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ];
    expect((await as('root-token', 'POST', `${V1}/clusterroles`, clusterRole('root-made', all))).status).toBe(201);
    expect(
      (await as('root-token', 'POST', `${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'root-made', 'ClusterRole', 'cluster-admin', user('dave'))))
        .status,
    ).toBe(201);
    expect(
      (await as('root-token', 'POST', `${V1}/namespaces/team/rolebindings`, binding('RoleBinding', 'root-made', 'ClusterRole', 'cluster-admin', user('dave'))))
        .status,
    ).toBe(201);
    expect(
      (await as('admin-token', 'POST', `${V1}/clusterroles`, clusterRole('masters-made', all, { aggregationRule: { clusterRoleSelectors: [{}] } }))).status,
    ).toBe(201);
    expect(
      (await as('admin-token', 'POST', `${V1}/namespaces/team/rolebindings`, binding('RoleBinding', 'masters-made', 'Role', 'not-there-yet'))).status,
    ).toBe(201);
  });

  it('the controller manager identity can no longer make itself cluster-admin', async () => {
    const patch = { subjects: [{ kind: 'Group', apiGroup: RBAC, name: 'system:masters' }, user('system:kube-controller-manager')] };
    expect((await as('cm-token', 'PATCH', `${V1}/clusterrolebindings/cluster-admin`, patch, 'application/merge-patch+json')).status).toBe(403);
    expect(
      (
        await as(
          'cm-token',
          'PATCH',
          `${V1}/clusterroles/system:kube-controller-manager`,
          { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] },
          'application/merge-patch+json',
        )
      ).status,
    ).toBe(403);
    expect((await as('cm-token', 'DELETE', `${V1}/clusterrolebindings/cluster-admin`)).status).toBe(403);
    expect((await as('cm-token', 'POST', '/api/v1/namespaces/team/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })).status).toBe(403);
    expect(
      (
        await as('cm-token', 'POST', '/api/v1/namespaces/team/serviceaccounts/default/token', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {},
        })
      ).status,
    ).toBe(403);
    expect((await as('admin-token', 'GET', `${V1}/clusterrolebindings/cluster-admin`)).body.subjects).toEqual([
      { kind: 'Group', apiGroup: RBAC, name: 'system:masters' },
    ]);
  });
});

describe('RBAC escalation prevention in the insecure default (AlwaysAllow)', () => {
  it('does not apply: anonymous requests bind cluster-admin, as everything else is allowed', async () => {
    const server = await startServer();
    try {
      const post = (p: string, body: unknown) =>
        fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post(`${V1}/clusterrolebindings`, binding('ClusterRoleBinding', 'anyone', 'ClusterRole', 'cluster-admin', user('x')))).status).toBe(201);
      expect((await post(`${V1}/clusterroles`, clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{}] } }))).status).toBe(201);
    } finally {
      await server.close();
    }
  });
});
