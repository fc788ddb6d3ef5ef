/**
 * NodeRestriction's limits on what a node credential can do to its own Node
 * and through mirror pods (a stolen kubelet key must not reach Secrets or
 * steer workloads to itself).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../testing/test-support.js';
import type { UserInfo } from './user.js';

const TOKENS = new Map<string, UserInfo>([
  ['admin-token', { name: 'admin', groups: ['system:masters'] }],
  ['node1-token', { name: 'system:node:node-1', groups: ['system:nodes'] }],
]);

let server: TestServer;
let nodeUid = '';

async function req(token: string, method: string, p: string, body?: unknown, contentType = 'application/json') {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(server.url + p, { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as { message?: string; metadata?: { uid?: string } } };
}
const asNode = (method: string, p: string, body?: unknown, contentType?: string) => req('node1-token', method, p, body, contentType);

beforeAll(async () => {
  server = await startServer({ auth: { tokens: TOKENS, authorizationModes: ['Node', 'RBAC'] } });
  const created = await asNode('POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
    spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
  });
  expect(created.status).toBe(201);
  nodeUid = created.body.metadata!.uid!;
  expect((await req('admin-token', 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'db' }, stringData: { pw: 'x' } })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
});

describe('a node and its own Node object', () => {
  it('may register with its taints but not with node-restriction labels', async () => {
    const r = await req('node1-token', 'POST', '/api/v1/nodes', { metadata: { name: 'node-1', labels: { 'node-restriction.kubernetes.io/pci': 'true' } } });
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('nodes "node-1" is forbidden: node "node-1" is not allowed to set the following labels: node-restriction.kubernetes.io/pci');
  });

  it('may not remove or change its taints, by patch or update', async () => {
    let r = await asNode('PATCH', '/api/v1/nodes/node-1', { spec: { taints: null } }, 'application/merge-patch+json');
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('nodes "node-1" is forbidden: node "node-1" is not allowed to modify taints');
    r = await asNode(
      'PATCH',
      '/api/v1/nodes/node-1',
      [{ op: 'add', path: '/spec/taints/-', value: { key: 'x', effect: 'NoSchedule' } }],
      'application/json-patch+json',
    );
    expect(r.status).toBe(403);
    const current = await asNode('GET', '/api/v1/nodes/node-1');
    r = await asNode('PUT', '/api/v1/nodes/node-1', { ...current.body, spec: {} });
    expect(r.status).toBe(403);
    // The taint is still there, and an administrator may change it.
    expect(JSON.stringify((await asNode('GET', '/api/v1/nodes/node-1')).body)).toContain('"dedicated"');
    expect((await req('admin-token', 'PATCH', '/api/v1/nodes/node-1', { spec: { taints: null } }, 'application/merge-patch+json')).status).toBe(200);
    expect(
      (
        await req(
          'admin-token',
          'PATCH',
          '/api/v1/nodes/node-1',
          { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } },
          'application/merge-patch+json',
        )
      ).status,
    ).toBe(200);
  });

  it('may change ordinary labels but not node-restriction ones', async () => {
    expect(
      (await asNode('PATCH', '/api/v1/nodes/node-1', { metadata: { labels: { 'topology.kubernetes.io/zone': 'a' } } }, 'application/merge-patch+json')).status,
    ).toBe(200);
    for (const key of ['node-restriction.kubernetes.io/secure', 'team.node-restriction.kubernetes.io/x']) {
      const r = await asNode('PATCH', '/api/v1/nodes/node-1', { metadata: { labels: { [key]: 'y' } } }, 'application/merge-patch+json');
      expect(r.status, key).toBe(403);
      expect(r.body.message).toBe(`nodes "node-1" is forbidden: is not allowed to modify labels: ${key}`);
    }
  });
});

describe('mirror pods', () => {
  const mirror = (extra: { spec?: Record<string, unknown>; owners?: unknown[] } = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `mirror-${Math.random().toString(36).slice(2, 8)}`,
      annotations: { 'kubernetes.io/config.mirror': 'hash' },
      ownerReferences: extra.owners ?? [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: nodeUid, controller: true }],
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }], ...extra.spec },
  });

  it('owned by the node and referencing nothing are allowed', async () => {
    expect((await asNode('POST', '/api/v1/namespaces/default/pods', mirror())).status).toBe(201);
  });

  it('may not reference a Secret, ConfigMap, PVC or ServiceAccount, so the node cannot read them', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ volumes: [{ name: 'v', secret: { secretName: 'db' } }] }, 'reference secrets'],
      [{ containers: [{ name: 'c', image: 'busybox', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }] }] }, 'reference secrets'],
      [{ volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'cm' } }] } }] }, 'reference configmaps'],
      [{ volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] }, 'reference persistentvolumeclaims'],
      [{ serviceAccountName: 'builder' }, 'reference a service account'],
    ];
    for (const [spec, why] of cases) {
      const r = await asNode('POST', '/api/v1/namespaces/default/pods', mirror({ spec }));
      expect(r.status, why).toBe(403);
      expect(r.body.message).toContain(`node "node-1" can not create pods that ${why}`);
    }
    expect((await asNode('GET', '/api/v1/namespaces/default/secrets/db')).status).toBe(403);
  });

  it('must be owned by the node alone, as its controller, with its uid', async () => {
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u', controller: true };
    const own = { apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: nodeUid, controller: true };
    for (const [owners, why] of [
      [[], 'an owner reference set to itself'],
      [[rs], 'an owner reference set to itself'],
      [[own, rs], 'a single owner reference'],
      [[{ ...own, controller: false }], 'a controller owner reference'],
      [[{ ...own, blockOwnerDeletion: true }], 'must not set blockOwnerDeletion'],
      [[{ ...own, uid: 'forged' }], 'UID mismatch'],
    ] as const) {
      const r = await asNode('POST', '/api/v1/namespaces/default/pods', mirror({ owners: [...owners] }));
      expect(r.status, why).toBe(403);
      expect(r.body.message).toContain(why);
    }
  });
});
