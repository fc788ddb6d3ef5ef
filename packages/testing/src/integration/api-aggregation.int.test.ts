// API aggregation: APIServices (apiregistration.k8s.io/v1) route a group
// version to an extension API server behind a Service. The API server
// registers Local APIServices for what it serves itself, keeps every
// APIService's Available condition, authenticates and authorizes a request
// before proxying it with the caller's identity in X-Remote-* headers over
// its proxy client certificate, lists the remote resources in both
// discovery forms, and answers 503 while the backend is unavailable. The
// extension server is the "wardle" sample (extension-apiserver.ts); stock
// kubectl drives it through the API server.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer, openStore, type ApiServer, type Store } from '@mk8s/apiserver';
import { REPO_ROOT } from '../component-process.js';
import { eventuallyMatches } from '../eventually.js';
import { httpsCall } from '../https-call.js';
import { startExtensionApiServer, type ExtensionApiServer } from '../extension-apiserver.js';
import { requireTool } from '../require-tool.js';
import { TestPki, type KeyPair } from '../test-pki.js';

const PINNED = path.join(REPO_ROOT, '.tools', 'bin', 'kubectl');
const KUBECTL = process.env['KUBECTL'] ?? (existsSync(PINNED) ? PINNED : 'kubectl');
requireTool('kubectl', KUBECTL, ['version', '--client']);

const run = promisify(execFile);
type Obj = Record<string, any>;

const WARDLE = 'v1alpha1.wardle.example.com';
const TOKENS = new Map([
  ['admin-token', { name: 'admin', groups: ['system:masters'] }],
  ['jane-token', { name: 'jane', groups: ['wardle-users'] }],
  ['bob-token', { name: 'bob', groups: [] }],
]);

describe('API aggregation: APIServices and extension API servers', () => {
  let dir: string;
  let pki: TestPki;
  let serving: KeyPair;
  let apiCA: KeyPair;
  let ca: KeyPair;
  let store: Store;
  let server: ApiServer;
  let url: string;
  let wardle: ExtensionApiServer;

  const call = (method: string, p: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    httpsCall<Obj>(new URL(p, url).href, { method, ca: apiCA.cert, token: opts.token ?? 'admin-token', body: opts.body, headers: opts.headers });
  const kubectl = async (token: string, ...args: string[]) => {
    const common = ['--kubeconfig', path.join(dir, 'kubeconfig'), '--cache-dir', path.join(dir, `cache-${token}`), '--server', url];
    const tls = ['--certificate-authority', pki.path('apiserver-ca', 'crt'), '--token', token];
    try {
      const { stdout, stderr } = await run(KUBECTL, [...common, ...tls, ...args], { timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const apiService = async (name: string) => (await call('GET', `/apis/apiregistration.k8s.io/v1/apiservices/${name}`)).json;
  const available = (svc: Obj) => (svc.status?.conditions ?? []).find((c: Obj) => c.type === 'Available') ?? {};
  const waitAvailable = (name: string, status: string, reason: string) =>
    eventuallyMatches(
      () => apiService(name),
      (svc) => available(svc).status === status && available(svc).reason === reason,
      { timeoutMs: 15_000 },
    );

  async function start(): Promise<void> {
    server = await buildApiServer({
      store,
      https: { cert: serving.cert, key: serving.key },
      auth: { tokens: TOKENS, authorizationModes: ['Node', 'RBAC'] },
      proxyClient: pki.read('front-proxy-client'),
      apiServiceRecheckMs: 300,
      metricsResolutionMs: 0,
    });
    url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mk8s-aggregation-'));
    await writeFile(path.join(dir, 'kubeconfig'), '');
    pki = new TestPki(dir);
    apiCA = pki.ca('apiserver-ca');
    serving = pki.leaf('serving', 'apiserver-ca', '/CN=kube-apiserver', ['subjectAltName=IP:127.0.0.1', 'extendedKeyUsage=serverAuth']);
    ca = pki.ca('wardle-ca');
    pki.ca('front-proxy-ca');
    pki.client('front-proxy-client', 'front-proxy-ca', 'front-proxy-client');
    pki.ca('other-ca');
    wardle = await startExtensionApiServer({
      serving: pki.server('wardle', 'wardle-ca', ['api.wardle-system.svc']),
      requestHeaderCA: pki.read('front-proxy-ca').cert,
      allowedNames: ['front-proxy-client'],
    });
    store = await openStore({ backend: 'memory' });
    await start();
  });
  afterAll(async () => {
    await server?.app.close();
    await store?.close();
    await wardle?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers a Local APIService for every group version it serves, and the metrics API', async () => {
    const list = await eventuallyMatches(
      async () => (await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices')).json,
      (l) => (l.items ?? []).length > 0 && l.items.every((s: Obj) => available(s).status === 'True'),
    );
    const byName = new Map<string, Obj>(list.items.map((s: Obj) => [s.metadata.name, s]));
    for (const name of [
      'v1.',
      'v1.apps',
      'v2.autoscaling',
      'v1.autoscaling',
      'v1.rbac.authorization.k8s.io',
      'v1.apiextensions.k8s.io',
      'v1beta1.metrics.k8s.io',
    ]) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.has('v1.apiregistration.k8s.io')).toBe(false);
    expect(byName.get('v1.')!.spec).toEqual({ group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    expect(byName.get('v1.apps')!.metadata.labels).toEqual({ 'kube-aggregator.kubernetes.io/automanaged': 'onstart' });
    expect(byName.get('v1beta1.metrics.k8s.io')!.metadata.labels).toBeUndefined();
    expect(available(byName.get('v1.apps')!)).toMatchObject({ status: 'True', reason: 'Local', message: 'Local APIServices are always available' });
    const table = await kubectl('admin-token', 'get', 'apiservices');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+SERVICE\s+AVAILABLE\s+AGE\s*$/m);
    expect(table.stdout).toMatch(/^v1\.apps\s+Local\s+True\s+\S+\s*$/m);
  });

  it('refuses invalid APIServices with Kubernetes field errors', async () => {
    const base = { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService' };
    const bad = await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
      body: {
        ...base,
        metadata: { name: 'v1.wrong.example.com' },
        spec: { group: 'x.example.com', version: 'v1', groupPriorityMinimum: 20001, versionPriority: 0 },
      },
    });
    expect(bad.status).toBe(422);
    const causes = bad.json.details.causes.map((c: Obj) => `${c.field}: ${c.message}`);
    expect(causes).toContain('metadata.name: Invalid value: "v1.wrong.example.com": must be `spec.version+"."+spec.group`: "v1.x.example.com"');
    expect(causes).toContain('spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000');
    expect(causes).toContain('spec.versionPriority: Invalid value: 0: must be positive and less than 1000');
    const local = await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
      body: {
        ...base,
        metadata: { name: 'v1.x.example.com' },
        spec: { group: 'x.example.com', version: 'v1', groupPriorityMinimum: 10, versionPriority: 10, insecureSkipTLSVerify: true },
      },
    });
    expect(local.status).toBe(422);
    expect(local.json.message).toContain('spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify');
    const port = await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
      body: {
        ...base,
        metadata: { name: 'v1.x.example.com' },
        spec: { group: 'x.example.com', version: 'v1', groupPriorityMinimum: 10, versionPriority: 10, service: { namespace: 'ns', name: 's', port: 70000 } },
      },
    });
    expect(port.status).toBe(422);
    expect(port.json.message).toContain('spec.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive');
  });

  it('proxies a registered group version to its extension API server, as the authenticated and authorized caller', async () => {
    await call('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wardle-system' } } });
    const svc = await call('POST', '/api/v1/namespaces/wardle-system/services', {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: 'localhost' } },
    });
    expect(svc.status, svc.text).toBe(201);
    const created = await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
      body: {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: WARDLE },
        spec: {
          group: 'wardle.example.com',
          version: 'v1alpha1',
          service: { namespace: 'wardle-system', name: 'api', port: wardle.port },
          caBundle: ca.cert.toString('base64'),
          groupPriorityMinimum: 2000,
          versionPriority: 10,
        },
      },
    });
    expect(created.status, created.text).toBe(201);
    const ready = await waitAvailable(WARDLE, 'True', 'Passed');
    expect(available(ready).message).toBe('all checks passed');
    // jane may create and list flunders; bob may not.
    await call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'flunder-editor' },
        rules: [{ apiGroups: ['wardle.example.com'], resources: ['flunders'], verbs: ['get', 'list', 'create'] }],
      },
    });
    await call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'flunder-editors' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flunder-editor' },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'wardle-users' }],
      },
    });
    const resources = await eventuallyMatches(
      () => kubectl('jane-token', 'api-resources', '--api-group', 'wardle.example.com'),
      (r) => /flunders\s+fl\s+wardle\.example\.com\/v1alpha1\s+true\s+Flunder/.test(r.stdout),
    );
    expect(resources.code).toBe(0);
    await writeFile(path.join(dir, 'f1.yaml'), 'apiVersion: wardle.example.com/v1alpha1\nkind: Flunder\nmetadata:\n  name: f1\n');
    const made = await kubectl('jane-token', 'create', '-f', path.join(dir, 'f1.yaml'));
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('flunder.wardle.example.com/f1 created');
    const got = await kubectl('jane-token', 'get', 'flunders', '-o', 'jsonpath={.items[*].metadata.annotations.wardle\\.example\\.com/created-by}');
    expect(got.stdout).toBe('jane');
    // kubectl found the kind's OpenAPI v3 document through this server's index (so it validated server-side, and explains it).
    const index = (await call('GET', '/openapi/v3')).json;
    expect(index.paths['apis/wardle.example.com/v1alpha1']).toEqual({ serverRelativeURL: '/openapi/v3/apis/wardle.example.com/v1alpha1?hash=F1' });
    const explained = await kubectl('jane-token', 'explain', 'flunders.spec');
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toContain('The name of another flunder.');
    const post = wardle.requests.filter((r) => r.method === 'POST').at(-1)!;
    expect(post.clientCN).toBe('front-proxy-client');
    expect(post.user).toBe('jane');
    expect(post.groups).toEqual(expect.arrayContaining(['wardle-users', 'system:authenticated']));
    expect(post.headers['authorization']).toBeUndefined();
    expect(post.url).toBe('/apis/wardle.example.com/v1alpha1/namespaces/default/flunders?fieldManager=kubectl-create&fieldValidation=Strict');

    // A caller's own identity headers are replaced; impersonation headers never reach the backend.
    const before = wardle.requests.length;
    const spoof = await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders', {
      token: 'jane-token',
      headers: { 'x-remote-user': 'admin', 'x-remote-group': 'system:masters', 'x-remote-extra-scopes': 'all' },
    });
    expect(spoof.status).toBe(200);
    const seen = wardle.requests[before]!;
    expect(seen.user).toBe('jane');
    expect(seen.groups).not.toContain('system:masters');
    expect(seen.headers['x-remote-extra-scopes']).toBeUndefined();

    // Authorization is the API server's, before anything is proxied.
    const denied = await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders', { token: 'bob-token' });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe(
      'flunders.wardle.example.com is forbidden: User "bob" cannot list resource "flunders" in API group "wardle.example.com" in the namespace "default"',
    );
    expect(wardle.requests.length).toBe(before + 1);
  });

  it('lists the remote group in both discovery forms, in priority order', async () => {
    const groups = (await call('GET', '/apis')).json.groups.map((g: Obj) => g.name);
    expect(groups[0]).toBe('apiregistration.k8s.io');
    expect(groups.indexOf('apps')).toBeLessThan(groups.indexOf('rbac.authorization.k8s.io'));
    expect(groups.indexOf('wardle.example.com')).toBeGreaterThan(groups.indexOf('coordination.k8s.io'));
    expect(groups.indexOf('wardle.example.com')).toBeLessThan(groups.indexOf('metrics.k8s.io'));
    const group = await call('GET', '/apis/wardle.example.com');
    expect(group.json).toMatchObject({ kind: 'APIGroup', name: 'wardle.example.com', preferredVersion: { groupVersion: 'wardle.example.com/v1alpha1' } });
    const aggregated = await call('GET', '/apis', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } });
    const item = aggregated.json.items.find((i: Obj) => i.metadata.name === 'wardle.example.com');
    expect(item.versions).toEqual([
      {
        version: 'v1alpha1',
        freshness: 'Current',
        resources: [
          {
            resource: 'flunders',
            responseKind: { group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' },
            scope: 'Namespaced',
            singularResource: 'flunder',
            verbs: ['create', 'get', 'list'],
            shortNames: ['fl'],
          },
        ],
      },
    ]);
  });

  it('marks an APIService unavailable while its backend fails, answers 503 meanwhile, and recovers', async () => {
    wardle.healthy = false;
    const down = await waitAvailable(WARDLE, 'False', 'FailedDiscoveryCheck');
    expect(available(down).message).toBe(
      `failing or missing response from https://localhost:${wardle.port}/apis/wardle.example.com/v1alpha1: bad status from https://localhost:${wardle.port}/apis/wardle.example.com/v1alpha1: 503`,
    );
    const r = await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders');
    expect(r.status).toBe(503);
    expect(r.text).toBe('service unavailable\n');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    const aggregated = await call('GET', '/apis', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } });
    expect(aggregated.json.items.find((i: Obj) => i.metadata.name === 'wardle.example.com').versions[0].freshness).toBe('Stale');
    const table = await kubectl('admin-token', 'get', 'apiservice', WARDLE);
    expect(table.stdout).toMatch(/v1alpha1\.wardle\.example\.com\s+wardle-system\/api\s+False \(FailedDiscoveryCheck\)/);
    wardle.healthy = true;
    await waitAvailable(WARDLE, 'True', 'Passed');
    expect((await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders')).status).toBe(200);
  });

  it('does not proxy to a backend whose certificate the caBundle does not verify', async () => {
    const wrong = await call('PATCH', `/apis/apiregistration.k8s.io/v1/apiservices/${WARDLE}`, {
      body: { spec: { caBundle: pki.read('other-ca').cert.toString('base64') } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(wrong.status, wrong.text).toBe(200);
    const r = await eventuallyMatches(
      () => call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders'),
      (x) => x.status === 503 && x.text.includes('error trying to reach'),
    );
    expect(r.json.message).toMatch(/certificate/);
  });

  it('reports a missing Service, a ClusterIP Service without endpoints, and a port it does not listen on', async () => {
    await call('PATCH', `/apis/apiregistration.k8s.io/v1/apiservices/${WARDLE}`, {
      body: { spec: { caBundle: ca.cert.toString('base64') } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    await call('DELETE', '/api/v1/namespaces/wardle-system/services/api');
    const gone = await waitAvailable(WARDLE, 'False', 'ServiceNotFound');
    expect(available(gone).message).toBe('service/api in "wardle-system" is not present');
    await call('POST', '/api/v1/namespaces/wardle-system/services', {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { ports: [{ port: 443, name: 'https' }] } },
    });
    const port = await waitAvailable(WARDLE, 'False', 'ServicePortError');
    expect(available(port).message).toBe(`service/api in "wardle-system" is not listening on port ${wardle.port}`);
    await call('PATCH', `/apis/apiregistration.k8s.io/v1/apiservices/${WARDLE}`, {
      body: { spec: { service: { port: 443 } } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    const none = await waitAvailable(WARDLE, 'False', 'EndpointsNotFound');
    expect(available(none).message).toBe('cannot find endpoints for service/api in "wardle-system"');
    await call('POST', '/api/v1/namespaces/wardle-system/endpoints', {
      body: {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'api' },
        subsets: [{ notReadyAddresses: [{ ip: '10.9.9.9' }], ports: [{ port: 8443, name: 'https' }] }],
      },
    });
    const missing = await waitAvailable(WARDLE, 'False', 'MissingEndpoints');
    expect(available(missing).message).toBe('endpoints for service/api in "wardle-system" have no addresses with port name "https"');
  });

  it('registers custom resources as automanaged APIServices and removes them with the CRD', async () => {
    const crd = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
          versions: [
            { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
          ],
        },
      },
    });
    expect(crd.status, crd.text).toBe(201);
    const svc = await eventuallyMatches(
      () => apiService('v1.example.com'),
      (s) => available(s).status === 'True',
    );
    expect(svc.metadata.labels).toEqual({ 'kube-aggregator.kubernetes.io/automanaged': 'true' });
    expect(svc.spec).toEqual({ group: 'example.com', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 100 });
    await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com');
    await eventuallyMatches(
      async () => (await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.example.com')).status,
      (code) => code === 404,
    );
  });

  it('leaves a changed built-in APIService alone while running and resets it at the next start; never touches an unlabelled one', async () => {
    const patched = await call('PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1.apps', {
      body: { spec: { versionPriority: 99 } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.json.spec.versionPriority).toBe(99);
    const metrics = await call('PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io', {
      body: { spec: { groupPriorityMinimum: 5 } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(metrics.status, metrics.text).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect((await apiService('v1.apps')).spec.versionPriority).toBe(99);
    await server.app.close();
    await start();
    expect((await apiService('v1.apps')).spec.versionPriority).toBe(15);
    expect((await apiService('v1beta1.metrics.k8s.io')).spec.groupPriorityMinimum).toBe(5);
    // The APIService registered by a user survived the restart, with its availability.
    await waitAvailable(WARDLE, 'False', 'MissingEndpoints');
  });
});
