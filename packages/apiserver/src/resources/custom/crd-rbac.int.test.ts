// With RBAC, the controller manager's identity may read and delete the
// objects of every served CRD (the CRD controller keeps the rules of the
// `system:controller:custom-resources` ClusterRole), and nothing more: not a
// CRD that is gone, not a built-in resource a CRD names in a built-in group,
// never a ClusterRoleBinding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserInfo } from '../../auth/user.js';
import { startServer, type TestServer } from '../../testing/test-support.js';

type Obj = Record<string, any>;
const TOKENS = new Map<string, UserInfo>([
  ['admin-token', { name: 'admin', groups: ['system:masters'] }],
  ['cm-token', { name: 'system:kube-controller-manager', groups: [] }],
]);
const RBAC = 'rbac.authorization.k8s.io';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const ROLE = `/apis/${RBAC}/v1/clusterroles/system:controller:custom-resources`;
const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';
const VERBS = ['get', 'list', 'watch', 'delete', 'deletecollection', 'patch', 'update'];

function crd(plural: string, kind: string, group = 'example.com', version = 'v1'): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, kind },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
        },
      ],
    },
  };
}

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('API server: the controller manager and custom resources under RBAC', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ auth: { tokens: TOKENS, authorizationModes: ['Node', 'RBAC'] } });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function as(token: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Obj }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = contentType;
    const res = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  }
  const admin = (method: string, path: string, body?: unknown) => as('admin-token', method, path, body);
  const cm = (method: string, path: string, body?: unknown, contentType?: string) => as('cm-token', method, path, body, contentType);
  const established = (name: string) =>
    until(async () => {
      const c = ((await admin('GET', `${CRDS}/${name}`)).body.status?.conditions ?? []).find((x: Obj) => x.type === 'Established');
      return c?.status === 'True' ? true : undefined;
    }, `${name} Established`);
  const rules = async (): Promise<Obj[]> => (await admin('GET', ROLE)).body.rules ?? [];

  it('grants every served CRD its rule, with the served resources of a group in one, and takes it back when the CRD goes', async () => {
    expect((await cm('GET', '/apis/example.com/v1/widgets')).status).toBe(403);
    expect((await admin('POST', CRDS, crd('widgets', 'Widget'))).status).toBe(201);
    expect((await admin('POST', CRDS, crd('gadgets', 'Gadget'))).status).toBe(201);
    await established('widgets.example.com');
    await established('gadgets.example.com');

    await until(async () => ((await cm('GET', '/apis/example.com/v1/widgets')).status === 200 ? true : undefined), 'the controller manager to list widgets');
    expect((await admin('POST', WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: {} })).status).toBe(201);
    expect((await admin('POST', WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: {} })).status).toBe(201);
    // What the garbage collector and the namespace controller do.
    expect((await cm('PATCH', `${WIDGETS}/w1`, { metadata: { finalizers: null } }, 'application/merge-patch+json')).status).toBe(200);
    expect((await cm('DELETE', `${WIDGETS}/w1`)).status).toBe(200);
    expect((await cm('DELETE', WIDGETS)).status).toBe(200);
    expect((await admin('GET', WIDGETS)).body.items).toEqual([]);
    // Nothing more: no creates, and still no RBAC objects.
    expect((await cm('POST', WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w3' }, spec: {} })).status).toBe(403);
    expect((await cm('DELETE', `/apis/${RBAC}/v1/clusterrolebindings/cluster-admin`)).status).toBe(403);
    expect((await cm('DELETE', `/apis/${RBAC}/v1/clusterroles/system:controller:custom-resources`)).status).toBe(403);

    const role = (await admin('GET', ROLE)).body;
    expect(role.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
    expect(role.rules).toEqual([{ verbs: VERBS, apiGroups: ['example.com'], resources: ['gadgets', 'widgets'] }]);
    const binding = (await admin('GET', `/apis/${RBAC}/v1/clusterrolebindings/system:controller:custom-resources`)).body;
    expect(binding.roleRef).toEqual({ apiGroup: RBAC, kind: 'ClusterRole', name: 'system:controller:custom-resources' });
    expect(binding.subjects).toEqual([{ kind: 'User', apiGroup: RBAC, name: 'system:kube-controller-manager' }]);

    expect((await admin('DELETE', `${CRDS}/gadgets.example.com`)).status).toBe(200);
    await until(async () => ((await admin('GET', `${CRDS}/gadgets.example.com`)).status === 404 ? true : undefined), 'the gadgets CRD to go');
    expect(await rules()).toEqual([{ verbs: VERBS, apiGroups: ['example.com'], resources: ['widgets'] }]);
    expect((await admin('DELETE', `${CRDS}/widgets.example.com`)).status).toBe(200);
    await until(async () => ((await admin('GET', `${CRDS}/widgets.example.com`)).status === 404 ? true : undefined), 'the widgets CRD to go');
    expect(await rules()).toEqual([]);
    expect((await cm('GET', '/apis/example.com/v1/widgets')).status).toBe(403);
  });

  it('never lets a CRD in a built-in group extend the rights to a built-in resource of the same name', async () => {
    // Another version of the built-in resource: served (no path conflict), but RBAC rules name no version.
    expect((await admin('POST', CRDS, crd('clusterrolebindings', 'ClusterRoleBinding', RBAC, 'v2'))).status).toBe(201);
    expect((await admin('POST', CRDS, crd('sprockets', 'Sprocket', RBAC, 'v2'))).status).toBe(201);
    await established(`clusterrolebindings.${RBAC}`);
    await established(`sprockets.${RBAC}`);
    await until(async () => ((await rules()).length > 0 ? true : undefined), 'a rule for sprockets');
    expect(await rules()).toEqual([{ verbs: VERBS, apiGroups: [RBAC], resources: ['sprockets'] }]);
    expect((await cm('DELETE', `/apis/${RBAC}/v1/clusterrolebindings/cluster-admin`)).status).toBe(403);
    expect((await cm('DELETE', `/apis/${RBAC}/v2/namespaces/default/clusterrolebindings`)).status).toBe(403);
    expect((await cm('DELETE', `/apis/${RBAC}/v2/namespaces/default/sprockets`)).status).toBe(200);
  });
});
