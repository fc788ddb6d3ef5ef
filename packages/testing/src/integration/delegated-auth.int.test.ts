// What an extension API server relies on the API server for: front-proxy
// authentication (a client certificate of --requestheader-client-ca-file
// with an allowed CN asserts the user in X-Remote-* headers), the
// kube-system/extension-apiserver-authentication ConfigMap that tells it
// whom to trust, and delegated authentication and authorization
// (TokenReview, SubjectAccessReview, LocalSubjectAccessReview) with the
// system:auth-delegator ClusterRole.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer, openStore, type ApiServer, type Store } from '@mk8s/apiserver';
import { httpsCall } from '../https-call.js';
import { TestPki, type KeyPair } from '../test-pki.js';

type Obj = Record<string, any>;

const TOKENS = new Map([
  ['admin-token', { name: 'admin', groups: ['system:masters'] }],
  ['jane-token', { name: 'jane', groups: ['team-devs'] }],
  ['bob-token', { name: 'bob', groups: [] }],
]);
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

describe('delegated authentication and authorization for extension API servers', () => {
  let dir: string;
  let pki: TestPki;
  let apiCA: KeyPair;
  let frontProxyCA: KeyPair;
  let store: Store;
  let server: ApiServer;
  let port: number;

  const call = (method: string, p: string, opts: { token?: string; cert?: KeyPair; body?: unknown; headers?: Record<string, string | string[]> } = {}) =>
    httpsCall<Obj>(`https://127.0.0.1:${port}${p}`, { method, ca: apiCA.cert, ...opts });
  const whoami = (opts: Parameters<typeof call>[2]) =>
    call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { ...opts, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  const tokenReview = (spec: Obj, token = 'admin-token') =>
    call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec } });
  const sar = (spec: Obj, p = '/apis/authorization.k8s.io/v1/subjectaccessreviews', kind = 'SubjectAccessReview') =>
    call('POST', p, { token: 'admin-token', body: { apiVersion: 'authorization.k8s.io/v1', kind, spec } });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mk8s-delegated-'));
    pki = new TestPki(dir);
    apiCA = pki.ca('apiserver-ca');
    const serving = pki.leaf('serving', 'apiserver-ca', '/CN=kube-apiserver', ['subjectAltName=IP:127.0.0.1', 'extendedKeyUsage=serverAuth']);
    frontProxyCA = pki.ca('front-proxy-ca');
    pki.client('front-proxy-client', 'front-proxy-ca', 'front-proxy-client');
    pki.client('other-proxy', 'front-proxy-ca', 'other-proxy');
    pki.client('alice', 'apiserver-ca', 'alice', ['team-devs']);
    store = await openStore({ backend: 'memory' });
    server = await buildApiServer({
      store,
      https: { cert: serving.cert, key: serving.key, ca: [apiCA.cert, frontProxyCA.cert], requestCert: true, rejectUnauthorized: false },
      auth: {
        tokens: TOKENS,
        clientCertificates: true,
        clientCA: apiCA.cert,
        requestHeader: {
          clientCA: frontProxyCA.cert,
          allowedNames: ['front-proxy-client'],
          usernameHeaders: ['X-Remote-User'],
          groupHeaders: ['X-Remote-Group'],
          extraHeadersPrefixes: ['X-Remote-Extra-'],
        },
        authorizationModes: ['Node', 'RBAC'],
      },
      metricsResolutionMs: 0,
    });
    const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(url).port);
    await call('POST', '/api/v1/namespaces', { token: 'admin-token', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } });
    await call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
      token: 'admin-token',
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'devs-edit' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'team-devs' }],
      },
    });
  });
  afterAll(async () => {
    await server?.app.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('believes the user a front proxy asserts, with groups and extra, and nobody else who sends the headers', async () => {
    const proxied = await whoami({
      cert: pki.read('front-proxy-client'),
      headers: {
        'X-Remote-User': 'jane',
        'X-Remote-Group': ['team-devs', 'qa'],
        'X-Remote-Extra-Scopes': ['read', 'write'],
        'X-Remote-Extra-Team%2fName': 'x',
      },
    });
    expect(proxied.status).toBe(201);
    expect(proxied.json.status.userInfo).toEqual({
      username: 'jane',
      groups: ['team-devs', 'qa', 'system:authenticated'],
      extra: { scopes: ['read', 'write'], 'team/name': ['x'] },
    });
    // A certificate of the front-proxy CA with another CN asserts nothing, and is no client certificate either.
    expect((await whoami({ cert: pki.read('other-proxy'), headers: { 'X-Remote-User': 'admin' } })).status).toBe(401);
    // Without a user header, the front proxy itself is nobody.
    expect((await whoami({ cert: pki.read('front-proxy-client') })).status).toBe(401);
    // A client certificate of the client CA is its own CN, whatever headers come with it; so is a token.
    const alice = await whoami({ cert: pki.read('alice'), headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } });
    expect(alice.json.status.userInfo).toEqual({ username: 'alice', groups: ['team-devs', 'system:authenticated'] });
    const bob = await whoami({ token: 'bob-token', headers: { 'X-Remote-User': 'admin' } });
    expect(bob.json.status.userInfo.username).toBe('bob');
  });

  it('publishes whom extension API servers should trust, readable by the extension-apiserver-authentication-reader Role', async () => {
    const cm = await call('GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication', { token: 'admin-token' });
    expect(cm.status).toBe(200);
    expect(cm.json.data['client-ca-file']).toBe(apiCA.cert.toString());
    expect(cm.json.data['requestheader-client-ca-file']).toBe(frontProxyCA.cert.toString());
    expect(cm.json.data['requestheader-allowed-names']).toBe('["front-proxy-client"]');
    expect(cm.json.data['requestheader-username-headers']).toBe('["X-Remote-User"]');
    expect(cm.json.data['requestheader-group-headers']).toBe('["X-Remote-Group"]');
    expect(cm.json.data['requestheader-extra-headers-prefix']).toBe('["X-Remote-Extra-"]');
    const role = await call('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader', {
      token: 'admin-token',
    });
    expect(role.json.rules).toEqual([
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['extension-apiserver-authentication'] },
    ]);
    const delegator = await call('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:auth-delegator', { token: 'admin-token' });
    expect(delegator.json.rules.map((r: Obj) => r.resources[0])).toEqual(['tokenreviews', 'subjectaccessreviews']);
  });

  it('reviews tokens: static and service-account ones, for the audiences asked', async () => {
    const jane = await tokenReview({ token: 'jane-token' });
    expect(jane.status).toBe(201);
    expect(jane.json.status).toEqual({ authenticated: true, user: { username: 'jane', groups: ['team-devs', 'system:authenticated'] }, audiences: [ISSUER] });
    expect((await tokenReview({ token: 'nobody' })).json.status).toEqual({ user: {} });
    expect((await tokenReview({ token: 'jane-token', audiences: ['wardle'] })).json.status).toEqual({
      user: {},
      error: `token audiences ["${ISSUER}"] is invalid for the target audiences ["wardle"]`,
    });
    await call('POST', '/api/v1/namespaces/team/serviceaccounts', {
      token: 'admin-token',
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } },
    });
    const requested = await call('POST', '/api/v1/namespaces/team/serviceaccounts/robot/token', {
      token: 'admin-token',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['wardle'] } },
    });
    const saToken = requested.json.status.token as string;
    const robot = await tokenReview({ token: saToken, audiences: ['wardle', 'other'] });
    expect(robot.json.status).toMatchObject({
      authenticated: true,
      user: { username: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] },
      audiences: ['wardle'],
    });
    expect((await tokenReview({ token: saToken })).json.status).toEqual({ user: {}, error: 'the token audience is not accepted' });
    const empty = await tokenReview({});
    expect(empty.status).toBe(400);
    expect(empty.json.message).toBe('token is required for TokenReview in authentication');
    // Reviewing tokens is a right: system:auth-delegator has it, bob does not.
    expect((await tokenReview({ token: 'jane-token' }, 'bob-token')).status).toBe(403);
  });

  it("answers SubjectAccessReviews with the authorizers' decision for the user named", async () => {
    const allowed = await sar({ user: 'jane', groups: ['team-devs'], resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' } });
    expect(allowed.status).toBe(201);
    expect(allowed.json.status).toMatchObject({ allowed: true });
    expect(allowed.json.status.reason).toBe('RBAC: allowed by RoleBinding "devs-edit/team" of ClusterRole "edit" to Group "team-devs"');
    const denied = await sar({ user: 'jane', resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' } });
    expect(denied.json.status.allowed).toBe(false);
    const url = await sar({ user: 'bob', groups: ['system:authenticated'], nonResourceAttributes: { path: '/version', verb: 'get' } });
    expect(url.json.status.allowed).toBe(true);
    const nobody = await sar({ resourceAttributes: { verb: 'list', resource: 'pods' } });
    expect(nobody.status).toBe(422);
    expect(nobody.json.message).toBe(
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
    const both = await sar({ user: 'x', resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/', verb: 'get' } });
    expect(both.json.message).toContain('spec.nonResourceAttributes: Invalid value: ');
    expect(both.json.message).toContain('cannot be specified in combination with resourceAttributes');
  });

  it('answers LocalSubjectAccessReviews about their own namespace only', async () => {
    const p = '/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews';
    const ok = await sar(
      { user: 'jane', groups: ['team-devs'], resourceAttributes: { namespace: 'team', verb: 'create', resource: 'deployments', group: 'apps' } },
      p,
      'LocalSubjectAccessReview',
    );
    expect(ok.status).toBe(201);
    expect(ok.json.status.allowed).toBe(true);
    const elsewhere = await sar(
      { user: 'jane', groups: ['team-devs'], resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } },
      p,
      'LocalSubjectAccessReview',
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.message).toBe('spec.resourceAttributes.namespace must match namespace: team');
    const urls = await sar({ user: 'jane', nonResourceAttributes: { path: '/', verb: 'get' } }, p, 'LocalSubjectAccessReview');
    expect(urls.status).toBe(422);
    expect(urls.json.message).toContain('disallowed on this kind of request');
  });
});
