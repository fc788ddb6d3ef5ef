// The admission chain through the HTTP API of a real API server in process:
// ResourceQuota (messages, charging, concurrency), LimitRanger (defaults and
// bounds), PodSecurity (levels by namespace label), plugin switches.
import { afterEach, describe, expect, it } from 'vitest';
import { call, startServer, type TestServer } from '../test-support.js';

type Any = any;

function pod(name: string, resources?: Record<string, Record<string, string>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }], ...extra },
  };
}

async function namespace(s: TestServer, name: string, labels: Record<string, string> = {}): Promise<void> {
  const r = await call(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  expect(r.status).toBe(201);
}

async function quota(s: TestServer, ns: string, name: string, hard: Record<string, string>): Promise<void> {
  const r = await call(s.url, 'POST', `/api/v1/namespaces/${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard } });
  expect(r.status).toBe(201);
}

describe('admission chain', () => {
  let s: TestServer;
  afterEach(async () => {
    await s?.close();
  });

  describe('ResourceQuota', () => {
    it('charges usage and refuses a pod over the quota with Kubernetes message', async () => {
      s = await startServer();
      await namespace(s, 'q1');
      await quota(s, 'q1', 'compute', { pods: '2', 'requests.cpu': '1' });
      const small = { requests: { cpu: '500m' } };
      expect((await call(s.url, 'POST', '/api/v1/namespaces/q1/pods', pod('p1', small))).status).toBe(201);
      const q = await call<Any>(s.url, 'GET', '/api/v1/namespaces/q1/resourcequotas/compute');
      expect(q.body.status).toEqual({ hard: { pods: '2', 'requests.cpu': '1' }, used: { pods: '1', 'requests.cpu': '500m' } });
      expect((await call(s.url, 'POST', '/api/v1/namespaces/q1/pods', pod('p2', small))).status).toBe(201);
      const refused = await call<Any>(s.url, 'POST', '/api/v1/namespaces/q1/pods', pod('p3', small));
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
      expect(refused.body.message).toBe(
        'pods "p3" is forbidden: exceeded quota: compute, requested: pods=1,requests.cpu=500m, used: pods=2,requests.cpu=1, limited: pods=2,requests.cpu=1',
      );
      // Room comes back with the objects: usage is counted from what exists.
      expect((await call(s.url, 'DELETE', '/api/v1/namespaces/q1/pods/p1')).status).toBe(200);
      expect((await call(s.url, 'POST', '/api/v1/namespaces/q1/pods', pod('p4', small))).status).toBe(201);
    });

    it('names only the exceeded resource', async () => {
      s = await startServer();
      await namespace(s, 'q2');
      await quota(s, 'q2', 'cpu', { 'requests.cpu': '1', pods: '10' });
      expect((await call(s.url, 'POST', '/api/v1/namespaces/q2/pods', pod('a', { requests: { cpu: '1' } }))).status).toBe(201);
      const r = await call<Any>(s.url, 'POST', '/api/v1/namespaces/q2/pods', pod('b', { requests: { cpu: '500m' } }));
      expect(r.status).toBe(403);
      expect(r.body.message).toContain('exceeded quota: cpu, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1');
    });

    it('refuses a pod without the requests a quota constrains', async () => {
      s = await startServer();
      await namespace(s, 'q3');
      await quota(s, 'q3', 'compute', { 'requests.cpu': '2', 'limits.memory': '1Gi' });
      const r = await call<Any>(s.url, 'POST', '/api/v1/namespaces/q3/pods', pod('bare'));
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('pods "bare" is forbidden: failed quota: compute: must specify limits.memory for: c; requests.cpu for: c');
    });

    it('never lets concurrent creates exceed the quota', async () => {
      s = await startServer();
      await namespace(s, 'q4');
      await quota(s, 'q4', 'few', { pods: '3', 'count/configmaps': '2' });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => call(s.url, 'POST', '/api/v1/namespaces/q4/pods', pod(`p${i}`))),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(3);
      expect(results.filter((r) => r.status === 403)).toHaveLength(9);
      const cms = await Promise.all(
        Array.from({ length: 6 }, (_, i) => call(s.url, 'POST', '/api/v1/namespaces/q4/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i}` } })),
      );
      expect(cms.filter((r) => r.status === 201)).toHaveLength(2);
      const list = await call<Any>(s.url, 'GET', '/api/v1/namespaces/q4/pods');
      expect(list.body.items).toHaveLength(3);
      const q = await call<Any>(s.url, 'GET', '/api/v1/namespaces/q4/resourcequotas/few');
      expect(q.body.status.used).toEqual({ pods: '3', 'count/configmaps': '2' });
    });

    it('counts objects of other groups (count/deployments.apps) and ignores other namespaces', async () => {
      s = await startServer();
      await namespace(s, 'q5');
      await quota(s, 'q5', 'objects', { 'count/deployments.apps': '1' });
      const deploy = (name: string) => ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      });
      expect((await call(s.url, 'POST', '/apis/apps/v1/namespaces/q5/deployments', deploy('one'))).status).toBe(201);
      const r = await call<Any>(s.url, 'POST', '/apis/apps/v1/namespaces/q5/deployments', deploy('two'));
      expect(r.status).toBe(403);
      expect(r.body.message).toBe(
        'deployments.apps "two" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1',
      );
      expect((await call(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deploy('two'))).status).toBe(201);
    });

    it('serves quotas to kubectl get as a table with REQUEST and LIMIT', async () => {
      s = await startServer();
      await namespace(s, 'q6');
      await quota(s, 'q6', 'compute', { pods: '4', 'limits.cpu': '2' });
      await call(s.url, 'POST', '/api/v1/namespaces/q6/pods', pod('p', { limits: { cpu: '1' } }));
      const t = await call<Any>(s.url, 'GET', '/api/v1/namespaces/q6/resourcequotas', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
      expect(t.body.columnDefinitions.map((c: Any) => c.name)).toEqual(['Name', 'Age', 'Request', 'Limit']);
      expect(t.body.rows[0].cells[2]).toBe('pods: 1/4');
      expect(t.body.rows[0].cells[3]).toBe('limits.cpu: 1/2');
    });
  });

  describe('LimitRanger', () => {
    it('applies default limits and requests and refuses what exceeds the maximum', async () => {
      s = await startServer();
      await namespace(s, 'lr');
      const lr = {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'limits' },
        spec: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '250m' } }] },
      };
      expect((await call(s.url, 'POST', '/api/v1/namespaces/lr/limitranges', lr)).status).toBe(201);
      const stored = await call<Any>(s.url, 'GET', '/api/v1/namespaces/lr/limitranges/limits');
      // LimitRange defaulting: default request from the default limit when not given.
      expect(stored.body.spec.limits[0].defaultRequest).toEqual({ cpu: '250m', memory: '128Mi' });
      const created = await call<Any>(s.url, 'POST', '/api/v1/namespaces/lr/pods', pod('defaulted'));
      expect(created.status).toBe(201);
      expect(created.body.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '128Mi' } });
      expect(created.body.metadata.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
      expect(created.body.status.qosClass).toBe('Burstable');
      const big = await call<Any>(s.url, 'POST', '/api/v1/namespaces/lr/pods', pod('big', { limits: { cpu: '2' }, requests: { cpu: '1' } }));
      expect(big.status).toBe(403);
      expect(big.body.message).toBe('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    });

    it('checks min and maxLimitRequestRatio', async () => {
      s = await startServer();
      await namespace(s, 'lr2');
      const lr = {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'bounds' },
        spec: { limits: [{ type: 'Container', min: { memory: '64Mi' }, maxLimitRequestRatio: { cpu: '2' } }] },
      };
      expect((await call(s.url, 'POST', '/api/v1/namespaces/lr2/limitranges', lr)).status).toBe(201);
      const small = await call<Any>(s.url, 'POST', '/api/v1/namespaces/lr2/pods', pod('small', { requests: { memory: '32Mi', cpu: '100m' }, limits: { cpu: '100m' } }));
      expect(small.status).toBe(403);
      expect(small.body.message).toBe('pods "small" is forbidden: minimum memory usage per Container is 64Mi, but request is 32Mi');
      const ratio = await call<Any>(s.url, 'POST', '/api/v1/namespaces/lr2/pods', pod('ratio', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m' } }));
      expect(ratio.status).toBe(403);
      expect(ratio.body.message).toBe('pods "ratio" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000');
    });

    it('defaults requests before ResourceQuota demands them', async () => {
      s = await startServer();
      await namespace(s, 'lr3');
      await call(s.url, 'POST', '/api/v1/namespaces/lr3/limitranges', {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'd' },
        spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m' } }] },
      });
      await quota(s, 'lr3', 'cpu', { 'requests.cpu': '1' });
      expect((await call(s.url, 'POST', '/api/v1/namespaces/lr3/pods', pod('ok'))).status).toBe(201);
    });
  });

  describe('PodSecurity', () => {
    const privileged = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true }, volumeMounts: [{ name: 'v', mountPath: '/host' }] }],
        volumes: [{ name: 'v', hostPath: { path: '/tmp' } }],
      },
    });

    it('refuses privileged containers and hostPath volumes in a baseline namespace', async () => {
      s = await startServer();
      const r = await call<Any>(s.url, 'POST', '/api/v1/namespaces/default/pods', privileged('x'));
      expect(r.status).toBe(403);
      expect(r.body.reason).toBe('Forbidden');
      expect(r.body.message).toBe(
        'pods "x" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "v"), privileged (container "c" must not set securityContext.privileged=true)',
      );
      const hostNet = await call<Any>(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('n', undefined, { hostNetwork: true, hostPID: true }));
      expect(hostNet.status).toBe(403);
      expect(hostNet.body.message).toContain('host namespaces (hostNetwork=true, hostPID=true)');
      expect((await call(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('plain'))).status).toBe(201);
    });

    it('allows them in a namespace labelled privileged and in kube-system', async () => {
      s = await startServer();
      await namespace(s, 'ops', { 'pod-security.kubernetes.io/enforce': 'privileged' });
      expect((await call(s.url, 'POST', '/api/v1/namespaces/ops/pods', privileged('x'))).status).toBe(201);
      expect((await call(s.url, 'POST', '/api/v1/namespaces/kube-system/pods', privileged('x'))).status).toBe(201);
    });

    it('enforces restricted and follows label changes', async () => {
      s = await startServer();
      await namespace(s, 'tight', { 'pod-security.kubernetes.io/enforce': 'restricted' });
      const r = await call<Any>(s.url, 'POST', '/api/v1/namespaces/tight/pods', pod('p'));
      expect(r.status).toBe(403);
      expect(r.body.message).toContain('violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)');
      const patched = await call(s.url, 'PATCH', '/api/v1/namespaces/tight', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }, { contentType: 'application/merge-patch+json' });
      expect(patched.status).toBe(200);
      expect((await call(s.url, 'POST', '/api/v1/namespaces/tight/pods', pod('p'))).status).toBe(201);
    });

    it('uses the configured default level and can be turned off', async () => {
      s = await startServer({ admissionControl: { podSecurity: { defaultLevel: 'privileged' } } });
      expect((await call(s.url, 'POST', '/api/v1/namespaces/default/pods', privileged('a'))).status).toBe(201);
      await s.close();
      s = await startServer({ admissionControl: { disable: ['PodSecurity'] } });
      expect((await call(s.url, 'POST', '/api/v1/namespaces/default/pods', privileged('b'))).status).toBe(201);
    });
  });

  it('keeps DefaultTolerationSeconds in the chain, and dry runs charge nothing', async () => {
    s = await startServer({ admission: { defaultNotReadyTolerationSeconds: 7, defaultUnreachableTolerationSeconds: 9 } });
    await quota(s, 'default', 'pods', { pods: '1' });
    const dry = await call<Any>(s.url, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', pod('dry'));
    expect(dry.status).toBe(201);
    const created = await call<Any>(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('p'));
    expect(created.status).toBe(201);
    expect(created.body.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 9 },
    ]);
  });
});
