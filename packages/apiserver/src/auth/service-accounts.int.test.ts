// ServiceAccounts and TokenRequest against an API server in process: a token
// from `serviceaccounts/<name>/token` authenticates as the ServiceAccount,
// RBAC decides what it may do, and it dies with the ServiceAccount.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOBUF_CONTENT_TYPE } from '../protobuf/index.js';
import { envelope, int, msg, newObjectMeta, str } from '../testing/test-wire.js';
import { startServer, type TestServer } from '../testing/test-support.js';
import type { UserInfo } from './user.js';

const TOKENS = new Map<string, UserInfo>([['admin-token', { name: 'admin', groups: ['system:masters'] }]]);

async function req(
  base: string,
  token: string | undefined,
  method: string,
  p: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const payload = body instanceof Uint8Array ? body : body !== undefined ? JSON.stringify(body) : undefined;
  const res = await fetch(base + p, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

const SA_PATH = '/api/v1/namespaces/default/serviceaccounts';
const whoami = (base: string, token: string) =>
  req(base, token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });

describe('ServiceAccounts and service-account tokens', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ auth: { tokens: TOKENS, authorizationModes: ['Node', 'RBAC'] } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves serviceaccounts (short name sa) with a NAME SECRETS AGE table', async () => {
    const created = await req(server.url, 'admin-token', 'POST', SA_PATH, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'x' },
      automountServiceAccountToken: false,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'x', namespace: 'default' }, automountServiceAccountToken: false });
    const disco = await req(server.url, 'admin-token', 'GET', '/api/v1');
    const names = (disco.body.resources as { name: string; shortNames?: string[]; kind: string }[]).filter((r) => r.name.startsWith('serviceaccounts'));
    expect(names).toEqual([
      expect.objectContaining({ name: 'serviceaccounts', shortNames: ['sa'] }),
      expect.objectContaining({ name: 'serviceaccounts/token', kind: 'TokenRequest' }),
    ]);
    const res = await fetch(`${server.url}${SA_PATH}`, {
      headers: { authorization: 'Bearer admin-token', accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    const table = (await res.json()) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Secrets', 'Age']);
    expect(table.rows[0]?.cells.slice(0, 2)).toEqual(['x', '0']);
  });

  it('issues a token that authenticates as the ServiceAccount; RBAC then decides', async () => {
    const tr = await req(server.url, 'admin-token', 'POST', `${SA_PATH}/x/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(tr.status).toBe(201);
    expect(tr.body).toMatchObject({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      spec: { expirationSeconds: 3600, audiences: ['https://kubernetes.default.svc.cluster.local'] },
    });
    const token = tr.body.status.token as string;
    expect(token.split('.')).toHaveLength(3);
    const exp = Date.parse(tr.body.status.expirationTimestamp as string);
    expect(exp - Date.now()).toBeGreaterThan(3590_000);
    expect(exp - Date.now()).toBeLessThanOrEqual(3600_000);

    const me = await whoami(server.url, token);
    expect(me.status).toBe(201);
    expect(me.body.status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:x',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });

    const denied = await req(server.url, token, 'GET', '/api/v1/namespaces/default/pods');
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('User "system:serviceaccount:default:x" cannot list resource "pods"');

    const rb = await req(server.url, 'admin-token', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'x-view' },
      subjects: [{ kind: 'ServiceAccount', name: 'x' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    });
    expect(rb.status).toBe(201);
    await expect.poll(async () => (await req(server.url, token, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
  });

  it('rejects the token once the ServiceAccount is deleted, or re-created with another uid', async () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'y' } };
    expect((await req(server.url, 'admin-token', 'POST', SA_PATH, sa)).status).toBe(201);
    const token = (await req(server.url, 'admin-token', 'POST', `${SA_PATH}/y/token`, { spec: { expirationSeconds: 600 } })).body.status.token as string;
    expect((await whoami(server.url, token)).status).toBe(201);
    expect((await req(server.url, 'admin-token', 'DELETE', `${SA_PATH}/y`)).status).toBe(200);
    await expect.poll(async () => (await whoami(server.url, token)).status).toBe(401);
    expect((await req(server.url, 'admin-token', 'POST', SA_PATH, sa)).status).toBe(201);
    await new Promise((r) => setTimeout(r, 100));
    expect((await whoami(server.url, token)).status).toBe(401);
  });

  it('rejects tampered tokens, short expirations and unknown ServiceAccounts', async () => {
    const token = (await req(server.url, 'admin-token', 'POST', `${SA_PATH}/x/token`, {})).body.status.token as string;
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims['exp'] = (claims['exp'] as number) + 100_000;
    expect((await whoami(server.url, `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`)).status).toBe(401);
    const short = await req(server.url, 'admin-token', 'POST', `${SA_PATH}/x/token`, { spec: { expirationSeconds: 60 } });
    expect(short.status).toBe(422);
    expect(short.body.message).toContain('may not specify a duration less than 10 minutes');
    expect((await req(server.url, 'admin-token', 'POST', `${SA_PATH}/nobody/token`, {})).status).toBe(404);
  });

  it('decodes a protobuf TokenRequest, as kubectl create token sends it', async () => {
    const body = envelope(
      'authentication.k8s.io/v1',
      'TokenRequest',
      newObjectMeta(1, ''),
      msg(2, str(1, 'https://kubernetes.default.svc.cluster.local'), int(4, 1200)),
      msg(3, str(1, '')),
    );
    const tr = await req(server.url, 'admin-token', 'POST', `${SA_PATH}/x/token`, body, PROTOBUF_CONTENT_TYPE);
    expect(tr.status).toBe(201);
    expect(tr.body.spec.expirationSeconds).toBe(1200);
    expect((await whoami(server.url, tr.body.status.token as string)).body.status.userInfo.username).toBe('system:serviceaccount:default:x');
  });
});
