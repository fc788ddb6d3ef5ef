// SelfSubjectRulesReview (`kubectl auth can-i --list`): the rules the
// authorizers grant the requester in spec.namespace, as Kubernetes answers
// them: RBAC's from ClusterRoleBindings, then from the namespace's
// RoleBindings; incomplete for a kubelet (the Node authorizer cannot list
// rules); `*` on everything under AlwaysAllow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyRule } from '@mk8s/api';
import { startServer, type TestServer } from '../testing/test-support.js';
import type { UserInfo } from './user.js';

const TOKENS = new Map<string, UserInfo>([
  ['admin-token', { name: 'admin', groups: ['system:masters'] }],
  ['jane-token', { name: 'jane', groups: [] }],
  ['node1-token', { name: 'system:node:node-1', groups: ['system:nodes'] }],
]);

const RULES_REVIEWS = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

interface Reply {
  status: number;
  // Tests read deep into replies.
  body: any;
}

async function req(base: string, token: string | undefined, method: string, p: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + p, { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const review = (namespace?: string) => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SelfSubjectRulesReview',
  spec: namespace === undefined ? {} : { namespace },
});

/** A role's rules as the review lists them: resource rules (empty lists left out) and non-resource rules. */
function split(rules: PolicyRule[]): { resourceRules: unknown[]; nonResourceRules: unknown[] } {
  const resourceRules = rules
    .filter((r) => (r.resources ?? []).length > 0)
    .map((r) => ({
      verbs: r.verbs,
      ...((r.apiGroups ?? []).length > 0 ? { apiGroups: r.apiGroups } : {}),
      resources: r.resources,
      ...((r.resourceNames ?? []).length > 0 ? { resourceNames: r.resourceNames } : {}),
    }));
  const nonResourceRules = rules.filter((r) => (r.nonResourceURLs ?? []).length > 0).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
  return { resourceRules, nonResourceRules };
}

describe('SelfSubjectRulesReview with RBAC and the Node authorizer', () => {
  let server: TestServer;
  const clusterRole = async (name: string): Promise<PolicyRule[]> => {
    const r = await req(server.url, 'admin-token', 'GET', `${RBAC}/clusterroles/${name}`);
    expect(r.status, name).toBe(200);
    return r.body.rules as PolicyRule[];
  };
  const ask = async (token: string, namespace: string) => {
    const r = await req(server.url, token, 'POST', RULES_REVIEWS, review(namespace));
    expect(r.status).toBe(201);
    return r.body;
  };

  beforeAll(async () => {
    server = await startServer({ auth: { tokens: TOKENS, authorizationModes: ['Node', 'RBAC'] } });
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } };
    expect((await req(server.url, 'admin-token', 'POST', '/api/v1/namespaces', ns)).status).toBe(201);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'jane-edit' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
    };
    expect((await req(server.url, 'admin-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, binding)).status).toBe(201);
  });
  afterAll(async () => {
    await server.close();
  });

  it('is listed in discovery as create-only and cluster-scoped', async () => {
    const r = await req(server.url, 'jane-token', 'GET', '/apis/authorization.k8s.io/v1');
    expect(r.body.resources).toContainEqual(
      expect.objectContaining({ name: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create'] }),
    );
  });

  it("lists the edit rules in the binding's namespace, after the cluster-wide ones, and not elsewhere", async () => {
    // jane's ClusterRoleBindings, in name order: system:basic-user, system:discovery, system:public-info-viewer (group system:authenticated).
    const basicUser = split(await clusterRole('system:basic-user'));
    const discovery = split(await clusterRole('system:discovery'));
    const publicInfo = split(await clusterRole('system:public-info-viewer'));
    const edit = split(await clusterRole('edit'));
    expect(edit.resourceRules.length).toBeGreaterThan(5);
    expect(basicUser.resourceRules).toContainEqual({
      verbs: ['create'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    });
    const nonResourceRules = [...discovery.nonResourceRules, ...publicInfo.nonResourceRules];

    const inTeam = await ask('jane-token', 'team');
    expect(inTeam).toEqual({
      kind: 'SelfSubjectRulesReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: {},
      status: { resourceRules: [...basicUser.resourceRules, ...edit.resourceRules], nonResourceRules, incomplete: false },
    });
    expect(inTeam.status.resourceRules).toContainEqual({
      verbs: ['get', 'list', 'watch', 'create', 'delete', 'deletecollection', 'patch', 'update'],
      apiGroups: [''],
      resources: expect.arrayContaining(['pods', 'configmaps', 'secrets']),
    });

    const inDefault = await ask('jane-token', 'default');
    expect(inDefault.status).toEqual({ resourceRules: basicUser.resourceRules, nonResourceRules, incomplete: false });
  });

  it('lists non-resource URLs from cluster roles: everything for the admin, discovery and health for jane', async () => {
    const admin = await ask('admin-token', 'team');
    expect(admin.status.resourceRules).toContainEqual({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    expect(admin.status.nonResourceRules).toContainEqual({ verbs: ['*'], nonResourceURLs: ['*'] });
    const jane = await ask('jane-token', 'team');
    const urls = (jane.status.nonResourceRules as Array<{ nonResourceURLs: string[] }>).flatMap((r) => r.nonResourceURLs);
    expect(urls).toContain('/healthz');
    expect(urls).toContain('/apis/*');
    expect(urls).not.toContain('/metrics');
  });

  it("lists a namespace-bound ClusterRole's non-resource URLs, as Kubernetes does, though they grant nothing there", async () => {
    const monitoring = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'jane-monitoring' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:monitoring' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
    };
    expect((await req(server.url, 'admin-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, monitoring)).status).toBe(201);
    try {
      const r = await ask('jane-token', 'team');
      expect(r.status.nonResourceRules).toContainEqual({ verbs: ['get'], nonResourceURLs: expect.arrayContaining(['/metrics']) });
      // Non-resource requests have no namespace: only ClusterRoleBindings grant them.
      expect((await req(server.url, 'jane-token', 'GET', '/metrics')).status).toBe(403);
    } finally {
      await req(server.url, 'admin-token', 'DELETE', `${RBAC}/namespaces/team/rolebindings/jane-monitoring`);
    }
  });

  it('reports a bound role that does not exist as the evaluation error, keeping the other rules', async () => {
    const ghost = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'jane-ghost' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ghost' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
    };
    expect((await req(server.url, 'admin-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, ghost)).status).toBe(201);
    const missingRole = { ...ghost, metadata: { name: 'jane-missing-role' }, roleRef: { ...ghost.roleRef, kind: 'Role', name: 'missing' } };
    expect((await req(server.url, 'admin-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, missingRole)).status).toBe(201);
    try {
      const r = await ask('jane-token', 'team');
      expect(r.status.incomplete).toBe(false);
      expect(r.status.evaluationError).toBe('[clusterrole.rbac.authorization.k8s.io "ghost" not found, role.rbac.authorization.k8s.io "missing" not found]');
      expect(r.status.resourceRules).toContainEqual(expect.objectContaining({ resources: expect.arrayContaining(['pods']) }));
    } finally {
      for (const name of ['jane-ghost', 'jane-missing-role']) await req(server.url, 'admin-token', 'DELETE', `${RBAC}/namespaces/team/rolebindings/${name}`);
    }
    expect((await ask('jane-token', 'team')).status.evaluationError).toBeUndefined();
  });

  it('is incomplete for a kubelet, whose rules the Node authorizer cannot list', async () => {
    const r = await ask('node1-token', 'default');
    expect(r.status.incomplete).toBe(true);
    expect(r.status.evaluationError).toBe('node authorizer does not support user rule resolution');
    // What RBAC grants the node's groups is still listed (system:authenticated's roles).
    expect(r.status.resourceRules).toContainEqual(expect.objectContaining({ resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] }));
  });

  it('needs spec.namespace (400, as Kubernetes) and answers only create (405)', async () => {
    for (const body of [review(), review('')]) {
      const r = await req(server.url, 'jane-token', 'POST', RULES_REVIEWS, body);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'no namespace on request', code: 400 });
    }
    // Authorization comes first: jane may not list them.
    expect((await req(server.url, 'jane-token', 'GET', RULES_REVIEWS)).status).toBe(403);
    expect((await req(server.url, 'admin-token', 'GET', RULES_REVIEWS)).status).toBe(405);
    expect((await req(server.url, 'admin-token', 'GET', `${RULES_REVIEWS}/x`)).status).toBe(405);
    // Anonymous requests are refused on this server, reviews included.
    expect((await req(server.url, undefined, 'POST', RULES_REVIEWS, review('team'))).status).toBe(401);
  });
});

describe('SelfSubjectRulesReview under AlwaysAllow (the insecure default)', () => {
  it("answers AlwaysAllow's rules, * on everything, complete", async () => {
    const server = await startServer();
    try {
      const r = await req(server.url, undefined, 'POST', RULES_REVIEWS, review('default'));
      expect(r.status).toBe(201);
      expect(r.body).toEqual({
        kind: 'SelfSubjectRulesReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: {},
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      });
      expect((await req(server.url, undefined, 'GET', RULES_REVIEWS)).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});
