import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../testing/test-support.js';
import type { UserInfo } from './user.js';

const TOKENS = new Map<string, UserInfo>([
  ['admin-token', { name: 'admin', groups: ['system:masters'] }],
  ['jane-token', { name: 'jane', groups: [] }],
  ['node1-token', { name: 'system:node:node-1', groups: ['system:nodes'] }],
  ['node2-token', { name: 'system:node:node-2', groups: ['system:nodes'] }],
  ['sched-token', { name: 'system:kube-scheduler', groups: [] }],
]);

interface Reply {
  status: number;
  body: any;
}

async function req(base: string, token: string | undefined, method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(base + p, { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

const pod = (name: string, nodeName?: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', ...extra }], nodeName },
});
const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });

describe('authentication and authorization (RBAC, Node, NodeRestriction)', () => {
  let server: TestServer;
  let dir: string;
  let tokenFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mk8s-auth-'));
    tokenFile = path.join(dir, 'tokens.csv');
    await writeFile(tokenFile, '# token,user,uid,groups\nfile-token,bob,bob-uid,"dev,ops"\n');
    server = await startServer({ auth: { tokens: TOKENS, tokenAuthFile: tokenFile, authorizationModes: ['Node', 'RBAC'] } });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('authentication', () => {
    it('answers 401 Status to a request without credentials', async () => {
      const r = await req(server.url, undefined, 'GET', '/api/v1/namespaces/default/pods');
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      expect((await req(server.url, undefined, 'GET', '/healthz')).status).toBe(401);
    });

    it('answers 401 to an unknown token', async () => {
      const r = await req(server.url, 'nope', 'GET', '/api/v1/namespaces/default/pods');
      expect(r.status).toBe(401);
      expect(r.body.reason).toBe('Unauthorized');
    });

    it('authenticates tokens of the token file, with their groups, and re-reads it when it changes', async () => {
      const review = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } },
      };
      expect((await req(server.url, 'file-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review)).status).toBe(201);
      expect((await req(server.url, 'later-token', 'GET', '/version')).status).toBe(401);
      await writeFile(tokenFile, 'file-token,bob,bob-uid,"dev,ops"\nlater-token,carol,,\n');
      const future = new Date(Date.now() + 5000);
      await utimes(tokenFile, future, future);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await req(server.url, 'later-token', 'GET', '/version')).status).toBe(200);
      // bob's groups count: a RoleBinding to group "ops" lets him read pods.
      const rb = await req(server.url, 'admin-token', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'ops-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'ops' }],
      });
      expect(rb.status).toBe(201);
      expect((await req(server.url, 'file-token', 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
      expect((await req(server.url, 'file-token', 'POST', '/api/v1/namespaces/default/pods', pod('x'))).status).toBe(403);
    });

    it('authenticates bootstrap tokens from kube-system Secrets and refuses expired ones', async () => {
      const secret = (id: string, expiration: string) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
        type: 'bootstrap.kubernetes.io/token',
        stringData: { 'token-id': id, 'token-secret': '0123456789abcdef', expiration, 'usage-bootstrap-authentication': 'true' },
      });
      const future = new Date(Date.now() + 3600_000).toISOString();
      const past = new Date(Date.now() - 1000).toISOString();
      expect((await req(server.url, 'admin-token', 'POST', '/api/v1/namespaces/kube-system/secrets', secret('abcdef', future))).status).toBe(201);
      expect((await req(server.url, 'admin-token', 'POST', '/api/v1/namespaces/kube-system/secrets', secret('oldtok', past))).status).toBe(201);
      const r = await req(server.url, 'abcdef.0123456789abcdef', 'GET', '/api/v1/nodes');
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('nodes is forbidden: User "system:bootstrap:abcdef" cannot list resource "nodes" in API group "" at the cluster scope');
      expect((await req(server.url, 'abcdef.0123456789abcdef', 'GET', '/version')).status).toBe(200);
      expect((await req(server.url, 'oldtok.0123456789abcdef', 'GET', '/version')).status).toBe(401);
      expect((await req(server.url, 'abcdef.ffffffffffffffff', 'GET', '/version')).status).toBe(401);
    });
  });

  describe('RBAC', () => {
    it('creates the default roles and bindings at start', async () => {
      const roles = await req(server.url, 'admin-token', 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles');
      const names = (roles.body.items as Array<{ metadata: { name: string } }>).map((r) => r.metadata.name);
      for (const n of [
        'cluster-admin',
        'admin',
        'edit',
        'view',
        'system:kube-scheduler',
        'system:kube-controller-manager',
        'system:node',
        'system:node-proxier',
        'system:discovery',
      ])
        expect(names).toContain(n);
      const crb = await req(server.url, 'admin-token', 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin');
      expect(crb.body.subjects).toEqual([{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }]);
      expect(crb.body.metadata.labels['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
    });

    it('forbids with Kubernetes wording: namespaced, named, cluster-scoped and non-resource requests', async () => {
      let r = await req(server.url, 'jane-token', 'GET', '/api/v1/namespaces/default/pods');
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"',
        details: { kind: 'pods' },
      });
      r = await req(server.url, 'jane-token', 'GET', '/apis/apps/v1/namespaces/default/deployments/web');
      expect(r.body.message).toBe(
        'deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments" in API group "apps" in the namespace "default"',
      );
      expect(r.body.details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
      r = await req(server.url, 'jane-token', 'GET', '/api/v1/namespaces/default/pods/web/log');
      expect(r.body.message).toBe('pods "web" is forbidden: User "jane" cannot get resource "pods/log" in API group "" in the namespace "default"');
      r = await req(server.url, 'jane-token', 'GET', '/api/v1/nodes');
      expect(r.body.message).toBe('nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
      r = await req(server.url, 'jane-token', 'GET', '/metrics');
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('forbidden: User "jane" cannot get path "/metrics"');
      // Discovery and public info are open to every authenticated user.
      for (const p of ['/api', '/apis', '/api/v1', '/version', '/healthz', '/openapi/v2'])
        expect((await req(server.url, 'jane-token', 'GET', p)).status, p).toBe(200);
    });

    it('grants what a RoleBinding to edit allows, in its namespace only', async () => {
      const binding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'jane-edit' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
      };
      expect((await req(server.url, 'jane-token', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding)).status).toBe(403);
      expect((await req(server.url, 'admin-token', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding)).status).toBe(201);
      expect((await req(server.url, 'jane-token', 'POST', '/api/v1/namespaces/default/pods', pod('jane-pod'))).status).toBe(201);
      expect((await req(server.url, 'jane-token', 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
      expect((await req(server.url, 'jane-token', 'GET', '/api/v1/namespaces/kube-system/pods')).status).toBe(403);
      expect((await req(server.url, 'jane-token', 'GET', '/api/v1/pods')).status).toBe(403);
      expect((await req(server.url, 'jane-token', 'GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings')).status).toBe(403);
      expect((await req(server.url, 'jane-token', 'DELETE', '/api/v1/namespaces/default/pods/jane-pod')).status).toBe(200);
      // Endpoints are read-only to editors (CVE-2021-25740: they could point a Service anywhere).
      expect((await req(server.url, 'jane-token', 'GET', '/api/v1/namespaces/default/endpoints')).status).toBe(200);
      const ep = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'elsewhere' },
        subsets: [{ addresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }] }],
      };
      const r = await req(server.url, 'jane-token', 'POST', '/api/v1/namespaces/default/endpoints', ep);
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('endpoints is forbidden: User "jane" cannot create resource "endpoints" in API group "" in the namespace "default"');
    });

    it('evaluates Roles, resourceNames and ServiceAccount subjects', async () => {
      const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
      expect(
        (
          await req(server.url, 'admin-token', 'POST', `${rbac}/roles`, {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'Role',
            metadata: { name: 'one-cm' },
            rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['get'] }],
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await req(server.url, 'admin-token', 'POST', `${rbac}/rolebindings`, {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name: 'one-cm' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'one-cm' },
            subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-scheduler' }],
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await req(server.url, 'admin-token', 'POST', '/api/v1/namespaces/default/configmaps', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'settings' },
          })
        ).status,
      ).toBe(201);
      expect((await req(server.url, 'sched-token', 'GET', '/api/v1/namespaces/default/configmaps/settings')).status).toBe(200);
      expect((await req(server.url, 'sched-token', 'GET', '/api/v1/namespaces/default/configmaps/other')).status).toBe(403);
      expect((await req(server.url, 'sched-token', 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(403);
    });

    it('validates RBAC objects', async () => {
      const r = await req(server.url, 'admin-token', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'bad' },
        rules: [
          { apiGroups: [''], resources: ['pods'] },
          { verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] },
        ],
      });
      expect(r.status).toBe(422);
      expect(r.body.details.causes.map((c: { field: string }) => c.field)).toEqual(['rules[0].verbs', 'rules[1].nonResourceURLs']);
      const b = await req(server.url, 'admin-token', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'bad' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' },
        subjects: [{ kind: 'Robot', name: 'r2' }],
      });
      expect(b.status).toBe(422);
      expect(b.body.details.causes.map((c: { field: string }) => c.field)).toEqual(['roleRef.kind', 'subjects[0].kind']);
    });

    it('answers SelfSubjectAccessReviews (kubectl auth can-i)', async () => {
      const ask = async (token: string, attrs: Record<string, string>) => {
        const r = await req(server.url, token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: attrs.path ? { nonResourceAttributes: attrs } : { resourceAttributes: attrs },
        });
        expect(r.status).toBe(201);
        expect(r.body.kind).toBe('SelfSubjectAccessReview');
        return r.body.status.allowed as boolean;
      };
      expect(await ask('jane-token', { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'default' })).toBe(true);
      expect(await ask('jane-token', { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'kube-system' })).toBe(false);
      expect(await ask('jane-token', { verb: 'get', path: '/metrics' })).toBe(false);
      expect(await ask('admin-token', { verb: 'get', path: '/metrics' })).toBe(true);
      expect((await req(server.url, 'admin-token', 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).toBe(405);
    });
  });

  describe('Node authorizer and NodeRestriction', () => {
    beforeAll(async () => {
      expect((await req(server.url, 'node1-token', 'POST', '/api/v1/nodes', node('node-1'))).status).toBe(201);
      expect((await req(server.url, 'node2-token', 'POST', '/api/v1/nodes', node('node-2'))).status).toBe(201);
      const secretRef = { env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }] };
      expect((await req(server.url, 'admin-token', 'POST', '/api/v1/namespaces/default/pods', pod('on-1', 'node-1', secretRef))).status).toBe(201);
      expect((await req(server.url, 'admin-token', 'POST', '/api/v1/namespaces/default/pods', pod('on-2', 'node-2'))).status).toBe(201);
      for (const name of ['db', 'other']) {
        expect(
          (
            await req(server.url, 'admin-token', 'POST', '/api/v1/namespaces/default/secrets', {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name },
              stringData: { pw: 'x' },
            })
          ).status,
        ).toBe(201);
      }
    });

    it('lets a kubelet change only its own Node', async () => {
      expect((await req(server.url, 'node1-token', 'GET', '/api/v1/nodes')).status).toBe(200);
      expect(
        (await req(server.url, 'node1-token', 'PATCH', '/api/v1/nodes/node-1', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json')).status,
      ).toBe(200);
      const r = await req(server.url, 'node1-token', 'PATCH', '/api/v1/nodes/node-2', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
      expect((await req(server.url, 'node1-token', 'DELETE', '/api/v1/nodes/node-2')).status).toBe(403);
      expect((await req(server.url, 'node1-token', 'POST', '/api/v1/nodes', node('node-9'))).status).toBe(403);
    });

    it('lets a kubelet change only pods bound to it', async () => {
      const status = { status: { phase: 'Running' } };
      expect(
        (await req(server.url, 'node1-token', 'PATCH', '/api/v1/namespaces/default/pods/on-1/status', status, 'application/merge-patch+json')).status,
      ).toBe(200);
      let r = await req(server.url, 'node1-token', 'PATCH', '/api/v1/namespaces/default/pods/on-2/status', status, 'application/merge-patch+json');
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({
        reason: 'Forbidden',
        message: 'pods "on-2" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself',
      });
      r = await req(server.url, 'node1-token', 'DELETE', '/api/v1/namespaces/default/pods/on-2');
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('pods "on-2" is forbidden: node "node-1" can only delete pods with spec.nodeName set to itself');
      // Updating a pod's spec is not a kubelet's business at all (RBAC: no update on pods).
      r = await req(
        server.url,
        'node1-token',
        'PATCH',
        '/api/v1/namespaces/default/pods/on-1',
        { metadata: { labels: { a: 'b' } } },
        'application/merge-patch+json',
      );
      expect(r.status).toBe(403);
      expect((await req(server.url, 'node1-token', 'POST', '/api/v1/namespaces/default/pods', pod('mine', 'node-1'))).body.message).toContain(
        'can only create mirror pods',
      );
      expect((await req(server.url, 'node2-token', 'DELETE', '/api/v1/namespaces/default/pods/on-2')).status).toBe(200);
    });

    it('lets a kubelet read only the Secrets its pods use, and only its own Lease', async () => {
      expect((await req(server.url, 'node1-token', 'GET', '/api/v1/namespaces/default/secrets/db')).status).toBe(200);
      let r = await req(server.url, 'node1-token', 'GET', '/api/v1/namespaces/default/secrets/other');
      expect(r.status).toBe(403);
      expect(r.body.message).toBe(
        `secrets "other" is forbidden: User "system:node:node-1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node-1' and this object`,
      );
      expect((await req(server.url, 'node2-token', 'GET', '/api/v1/namespaces/default/secrets/db')).status).toBe(403);
      expect((await req(server.url, 'node1-token', 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(403);
      const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: name } });
      expect((await req(server.url, 'node1-token', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('node-1'))).status).toBe(
        201,
      );
      expect(
        (await req(server.url, 'node1-token', 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1', lease('node-1'))).status,
      ).toBe(200);
      expect((await req(server.url, 'node1-token', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('node-2'))).status).toBe(
        403,
      );
      r = await req(server.url, 'node1-token', 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-2', lease('node-2'));
      expect(r.status).toBe(403);
      expect(r.body.message).toContain('can only access node lease with the same name as the requesting node');
    });
  });
});

describe('the insecure default', () => {
  it('serves anonymous requests and allows everything', async () => {
    const server = await startServer();
    try {
      expect((await req(server.url, undefined, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
      expect((await req(server.url, undefined, 'GET', '/metrics')).status).toBe(200);
      const r = await req(server.url, undefined, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } },
      });
      expect(r.body.status.allowed).toBe(true);
      // No bootstrap policy is written without RBAC.
      expect((await req(server.url, undefined, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles')).body.items).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
