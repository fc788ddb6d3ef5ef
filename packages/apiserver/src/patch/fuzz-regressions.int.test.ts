// Regressions found by fuzzing the API server: numbers outside their Go
// type's range, map keys named like Object.prototype members, and RBAC names.
// Objects go in as raw JSON text, as a client sends them: JSON.parse makes
// `__proto__` an own key, and nothing on the way to storage may lose it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, pod, startServer, type TestServer } from '../testing/test-support.js';

type Obj = Record<string, any>;
const NS = '/api/v1/namespaces/default';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('API server: fuzz regressions', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('keeps ConfigMap data keys __proto__ and constructor through create, merge and strategic merge patches', async () => {
    const created = await call<Obj>(s.url, 'POST', `${NS}/configmaps`, undefined, {
      raw: '{"metadata":{"name":"proto"},"data":{"__proto__":"x","constructor":"y"}}',
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body.data)).toEqual(['__proto__', 'constructor']);
    const got = await call<Obj>(s.url, 'GET', `${NS}/configmaps/proto`);
    expect(got.text).toContain('"data":{"__proto__":"x","constructor":"y"}');

    const merged = await call<Obj>(s.url, 'PATCH', `${NS}/configmaps/proto`, undefined, {
      raw: '{"data":{"__proto__":"x2","a":"1"}}',
      contentType: 'application/merge-patch+json',
    });
    expect(merged.status).toBe(200);
    // Map keys come out sorted, as Go writes maps.
    expect(merged.text).toContain('"data":{"__proto__":"x2","a":"1","constructor":"y"}');

    const strategic = await call<Obj>(s.url, 'PATCH', `${NS}/configmaps/proto`, undefined, {
      raw: '{"data":{"prototype":"p","constructor":"y2"}}',
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(strategic.status).toBe(200);
    expect(strategic.text).toContain('"data":{"__proto__":"x2","a":"1","constructor":"y2","prototype":"p"}');

    const jsonPatched = await call<Obj>(s.url, 'PATCH', `${NS}/configmaps/proto`, [{ op: 'remove', path: '/data/a' }], {
      contentType: 'application/json-patch+json',
    });
    expect(jsonPatched.status).toBe(200);
    const final = await call<Obj>(s.url, 'GET', `${NS}/configmaps/proto`);
    expect(final.text).toContain('"data":{"__proto__":"x2","constructor":"y2","prototype":"p"}');
  });

  it('rejects a __proto__ label key with 422 on metadata.labels instead of dropping it', async () => {
    const r = await call<Obj>(s.url, 'POST', `${NS}/configmaps`, undefined, { raw: '{"metadata":{"name":"l1","labels":{"__proto__":"x"}}}' });
    expect(r.status).toBe(422);
    expect(r.body.details.causes).toEqual([
      expect.objectContaining({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: expect.stringMatching(/^Invalid value: "__proto__": name part/),
      }),
    ]);
    const patched = await call<Obj>(s.url, 'PATCH', `${NS}/configmaps/proto`, undefined, {
      raw: '{"metadata":{"labels":{"__proto__":"x"}}}',
      contentType: 'application/merge-patch+json',
    });
    expect(patched.status).toBe(422);
  });

  it('answers integers outside int32 with 400 and Go decoding wording', async () => {
    const deployment = (replicas: string) =>
      `{"metadata":{"name":"d"},"spec":{"replicas":${replicas},"selector":{"matchLabels":{"a":"b"}},` +
      '"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}';
    const r = await call<Obj>(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', undefined, { raw: deployment('2147483648') });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: spec.replicas: ' +
        'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    for (const bad of ['1e308', '-2147483649', '1e999']) {
      const again = await call<Obj>(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', undefined, { raw: deployment(bad) });
      expect(again.status).toBe(400);
    }
    const p = pod('big-port');
    (p.spec as Obj).containers[0].ports = [{ containerPort: 2 ** 31 }];
    expect((await call<Obj>(s.url, 'POST', `${NS}/pods`, p)).status).toBe(400);
  });

  it('does not crash on resource names that are Object.prototype members', async () => {
    const quota = await call<Obj>(s.url, 'POST', `${NS}/resourcequotas`, { metadata: { name: 'q' }, spec: { hard: { constructor: '1', pods: '10' } } });
    expect(quota.status).toBe(201);
    expect((await call<Obj>(s.url, 'POST', `${NS}/pods`, pod('after-quota'))).status).toBe(201);
    await call(s.url, 'DELETE', `${NS}/resourcequotas/q`);
  });

  it('validates RBAC names as path segments (NUL included) and ServiceAccount subject names', async () => {
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' };
    for (const name of ['a\u0000b', 'a/b', '100%', '..']) {
      const role = await call<Obj>(s.url, 'POST', `${RBAC}/namespaces/default/roles`, { metadata: { name }, rules: [] });
      expect(role.status).toBe(422);
      const binding = await call<Obj>(s.url, 'POST', `${RBAC}/clusterrolebindings`, {
        metadata: { name },
        roleRef: { ...roleRef, kind: 'ClusterRole' },
      });
      expect(binding.status).toBe(422);
    }
    const r = await call<Obj>(s.url, 'POST', `${RBAC}/namespaces/default/rolebindings`, {
      metadata: { name: 'rb' },
      roleRef,
      subjects: [{ kind: 'ServiceAccount', name: 'Bad/Name!', namespace: 'default' }],
    });
    expect(r.status).toBe(422);
    expect(r.body.details.causes.map((c: Obj) => c.field)).toEqual(['subjects[0].name']);
  });
});
