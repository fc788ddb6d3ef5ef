// The admission chain through the HTTP API of a real API server in process:
// ResourceQuota (messages, charging, concurrency), LimitRanger (defaults and
// bounds), PodSecurity (levels, versions and modes by namespace label, pod
// updates, workload warnings, namespace label changes, exemptions, audit
// annotations), plugin switches.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, startServer, type TestServer } from '../testing/test-support.js';

type Any = any;

function pod(name: string, resources?: Record<string, Record<string, string>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox', resources }], ...extra },
  };
}

async function namespace(s: TestServer, name: string, labels: Record<string, string> = {}): Promise<void> {
  const r = await call(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  expect(r.status).toBe(201);
}

async function quota(s: TestServer, ns: string, name: string, hard: Record<string, string>): Promise<void> {
  const r = await call(s.url, 'POST', `/api/v1/namespaces/${ns}/resourcequotas`, {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name },
    spec: { hard },
  });
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
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => call(s.url, 'POST', '/api/v1/namespaces/q4/pods', pod(`p${i}`))));
      expect(results.filter((r) => r.status === 201)).toHaveLength(3);
      expect(results.filter((r) => r.status === 403)).toHaveLength(9);
      const cms = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(s.url, 'POST', '/api/v1/namespaces/q4/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i}` } }),
        ),
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
        spec: {
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        },
      });
      expect((await call(s.url, 'POST', '/apis/apps/v1/namespaces/q5/deployments', deploy('one'))).status).toBe(201);
      const r = await call<Any>(s.url, 'POST', '/apis/apps/v1/namespaces/q5/deployments', deploy('two'));
      expect(r.status).toBe(403);
      expect(r.body.message).toBe(
        'deployments.apps "two" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1',
      );
      expect((await call(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deploy('two'))).status).toBe(201);
    });

    it('counts custom resources (count/widgets.example.com) from their own storage', async () => {
      s = await startServer();
      await namespace(s, 'q7');
      const crd = await call(s.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'widgets', kind: 'Widget' },
          versions: [
            { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
          ],
        },
      });
      expect(crd.status).toBe(201);
      await quota(s, 'q7', 'widgets', { 'count/widgets.example.com': '1' });
      const widget = (name: string) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name } });
      let first = await call(s.url, 'POST', '/apis/example.com/v1/namespaces/q7/widgets', widget('one'));
      for (let i = 0; i < 50 && first.status === 404; i++) {
        await new Promise((r) => setTimeout(r, 20));
        first = await call(s.url, 'POST', '/apis/example.com/v1/namespaces/q7/widgets', widget('one'));
      }
      expect(first.status).toBe(201);
      const r = await call<Any>(s.url, 'POST', '/apis/example.com/v1/namespaces/q7/widgets', widget('two'));
      expect(r.status).toBe(403);
      expect(r.body.message).toBe(
        'widgets.example.com "two" is forbidden: exceeded quota: widgets, requested: count/widgets.example.com=1, used: count/widgets.example.com=1, limited: count/widgets.example.com=1',
      );
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
      expect(created.body.metadata.annotations['kubernetes.io/limit-ranger']).toBe(
        'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c',
      );
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
      const small = await call<Any>(
        s.url,
        'POST',
        '/api/v1/namespaces/lr2/pods',
        pod('small', { requests: { memory: '32Mi', cpu: '100m' }, limits: { cpu: '100m' } }),
      );
      expect(small.status).toBe(403);
      expect(small.body.message).toBe('pods "small" is forbidden: minimum memory usage per Container is 64Mi, but request is 32Mi');
      const ratio = await call<Any>(
        s.url,
        'POST',
        '/api/v1/namespaces/lr2/pods',
        pod('ratio', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m' } }),
      );
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
      expect(r.body.message).toContain(
        'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
      );
      const patched = await call(
        s.url,
        'PATCH',
        '/api/v1/namespaces/tight',
        { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
        { contentType: 'application/merge-patch+json' },
      );
      expect(patched.status).toBe(200);
      expect((await call(s.url, 'POST', '/api/v1/namespaces/tight/pods', pod('p'))).status).toBe(201);
    });

    /** The texts of the `Warning` headers of a reply. */
    const warningsOf = (headers: Record<string, unknown>): string[] =>
      [...String(headers['warning'] ?? '').matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(["\\])/g, '$1'));
    const restrictedDetail =
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';
    const restrictedPod = (name: string) =>
      pod(name, undefined, {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      });
    const deployment = (name: string, image = 'busybox') => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } } },
    });
    const mergePatch = { contentType: 'application/merge-patch+json' };

    it('words refusals exactly as Kubernetes (restricted and the baseline controls), and admits a pod that meets restricted', async () => {
      s = await startServer();
      await namespace(s, 'r1', { 'pod-security.kubernetes.io/enforce': 'restricted' });
      const r = await call<Any>(s.url, 'POST', '/api/v1/namespaces/r1/pods', pod('web'));
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, details: { name: 'web', kind: 'pods' } });
      expect(r.body.message).toBe(`pods "web" is forbidden: violates PodSecurity "restricted:latest": ${restrictedDetail}`);
      const ok = await call(s.url, 'POST', '/api/v1/namespaces/r1/pods', restrictedPod('ok'));
      expect(ok.status).toBe(201);
      expect(ok.headers['warning']).toBeUndefined();
      // The baseline controls beyond privileged, host namespaces and hostPath, in Kubernetes' order.
      const risky = pod('risky', undefined, {
        securityContext: { seccompProfile: { type: 'Unconfined' }, sysctls: [{ name: 'kernel.msgmax', value: '1' }], seLinuxOptions: { user: 'root' } },
        containers: [
          {
            name: 'c',
            image: 'busybox',
            ports: [{ containerPort: 80, hostPort: 8080 }],
            livenessProbe: { httpGet: { port: 80, host: 'example.com' } },
            securityContext: { appArmorProfile: { type: 'Unconfined' }, procMount: 'Unmasked', capabilities: { add: ['SYS_ADMIN'] } },
          },
        ],
      });
      const refused = await call<Any>(s.url, 'POST', '/api/v1/namespaces/default/pods', risky);
      expect(refused.status).toBe(403);
      // The probe host (example.com) passes: that check arrived in v1.34, after the v1.32 this server is.
      expect(refused.body.message).toBe(
        'pods "risky" is forbidden: violates PodSecurity "baseline:latest": ' +
          'forbidden AppArmor profile (container "c" must not set AppArmor profile type to "Unconfined"), ' +
          'non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add), ' +
          'hostPort (container "c" uses hostPort 8080), ' +
          'procMount (container "c" must not set securityContext.procMount to "Unmasked"), ' +
          'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: user may not be set), ' +
          'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined"), ' +
          'forbidden sysctls (kernel.msgmax)',
      );
    });

    it('warns without refusing in warn mode, and evaluates the labelled version', async () => {
      s = await startServer();
      await namespace(s, 'w1', { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.30' });
      const r = await call(s.url, 'POST', '/api/v1/namespaces/w1/pods', pod('web'));
      expect(r.status).toBe(201);
      expect(warningsOf(r.headers)).toEqual([`would violate PodSecurity "restricted:v1.30": ${restrictedDetail}`]);
      // An old version lacks newer checks and newer safe sysctls.
      const sysctl = (name: string) => pod(name, undefined, { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_wmem', value: '4096 87380 6291456' }] } });
      await namespace(s, 'v1', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.31' });
      const old = await call<Any>(s.url, 'POST', '/api/v1/namespaces/v1/pods', sysctl('s'));
      expect(old.status).toBe(403);
      expect(old.body.message).toBe('pods "s" is forbidden: violates PodSecurity "baseline:v1.31": forbidden sysctls (net.ipv4.tcp_wmem)');
      expect((await call(s.url, 'POST', '/api/v1/namespaces/default/pods', sysctl('s'))).status).toBe(201);
    });

    it('records enforce-policy and audit-violations audit annotations, for refusals too', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'psa-audit-'));
      try {
        const file = path.join(dir, 'audit.log');
        s = await startServer({ audit: { path: file, level: 'Metadata' } });
        await namespace(s, 'a1', { 'pod-security.kubernetes.io/audit': 'restricted' });
        expect((await call(s.url, 'POST', '/api/v1/namespaces/a1/pods', pod('web'))).status).toBe(201);
        expect((await call(s.url, 'POST', '/api/v1/namespaces/a1/pods', pod('bad', undefined, { hostPID: true }))).status).toBe(403);
        const events = await vi.waitFor(
          async () => {
            const all = (await readFile(file, 'utf8'))
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l));
            const pods = all.filter((e: Any) => e.objectRef?.resource === 'pods');
            if (pods.length < 2) throw new Error('waiting');
            return pods;
          },
          { timeout: 10_000, interval: 50 },
        );
        expect(events[0].annotations).toEqual({
          'pod-security.kubernetes.io/enforce-policy': 'baseline:latest',
          'pod-security.kubernetes.io/audit-violations': `would violate PodSecurity "restricted:latest": ${restrictedDetail}`,
        });
        expect(events[1].responseStatus.code).toBe(403);
        expect(events[1].annotations['pod-security.kubernetes.io/audit-violations']).toMatch(
          /^would violate PodSecurity "restricted:latest": host namespaces \(hostPID=true\), /,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('checks pod updates that change images, not the others', async () => {
      s = await startServer();
      await namespace(s, 'u1', { 'pod-security.kubernetes.io/enforce': 'privileged' });
      expect((await call(s.url, 'POST', '/api/v1/namespaces/u1/pods', privileged('x'))).status).toBe(201);
      const raised = await call(
        s.url,
        'PATCH',
        '/api/v1/namespaces/u1',
        { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
        mergePatch,
      );
      expect(raised.status).toBe(200);
      expect((await call(s.url, 'PATCH', '/api/v1/namespaces/u1/pods/x', { metadata: { labels: { tier: 'web' } } }, mergePatch)).status).toBe(200);
      const image = await call<Any>(
        s.url,
        'PATCH',
        '/api/v1/namespaces/u1/pods/x',
        { spec: { containers: [{ name: 'c', image: 'nginx' }] } },
        { contentType: 'application/strategic-merge-patch+json' },
      );
      expect(image.status).toBe(403);
      expect(image.body.message).toBe(
        'pods "x" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "v"), privileged (container "c" must not set securityContext.privileged=true)',
      );
      const current = await call<Any>(s.url, 'GET', '/api/v1/namespaces/u1/pods/x');
      expect(current.body.spec.containers[0].image).toBe('busybox');
      current.body.spec.containers[0].image = 'nginx';
      expect((await call(s.url, 'PUT', '/api/v1/namespaces/u1/pods/x', current.body)).status).toBe(403);
    });

    it('warns about workload pod templates on create and update, never refusing them', async () => {
      s = await startServer();
      await namespace(s, 'wl', { 'pod-security.kubernetes.io/enforce': 'restricted' });
      const created = await call(s.url, 'POST', '/apis/apps/v1/namespaces/wl/deployments', deployment('web'));
      expect(created.status).toBe(201);
      expect(warningsOf(created.headers)).toEqual([`would violate PodSecurity "restricted:latest": ${restrictedDetail}`]);
      const patched = await call(
        s.url,
        'PATCH',
        '/apis/apps/v1/namespaces/wl/deployments/web',
        { spec: { template: { spec: { hostNetwork: true } } } },
        mergePatch,
      );
      expect(patched.status).toBe(200);
      expect(warningsOf(patched.headers)[0]).toMatch(
        /^would violate PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\), allowPrivilegeEscalation != false/,
      );
      const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: deployment('rs').spec };
      const rsCreated = await call(s.url, 'POST', '/apis/apps/v1/namespaces/wl/replicasets', rs);
      expect(rsCreated.status).toBe(201);
      expect(warningsOf(rsCreated.headers)).toHaveLength(1);
      // Baseline namespaces (the default) say nothing about a template that meets baseline.
      const quiet = await call(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('quiet'));
      expect(quiet.status).toBe(201);
      expect(quiet.headers['warning']).toBeUndefined();
    });

    it('warns about existing pods when a namespace label raises the enforce level (dry run included)', async () => {
      s = await startServer();
      await namespace(s, 'lbl');
      expect((await call(s.url, 'POST', '/api/v1/namespaces/lbl/pods', pod('web'))).status).toBe(201);
      expect((await call(s.url, 'POST', '/api/v1/namespaces/lbl/pods', pod('api'))).status).toBe(201);
      expect((await call(s.url, 'POST', '/api/v1/namespaces/lbl/pods', restrictedPod('good'))).status).toBe(201);
      const label = { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
      const dry = await call(s.url, 'PATCH', '/api/v1/namespaces/lbl?dryRun=All', label, mergePatch);
      expect(dry.status).toBe(200);
      expect(warningsOf(dry.headers)).toEqual([
        'existing pods in namespace "lbl" violate the new PodSecurity enforce level "restricted:latest"',
        'api (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
      ]);
      const ns = await call<Any>(s.url, 'GET', '/api/v1/namespaces/lbl');
      expect(ns.body.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBeUndefined();
      // The label is set anyway (existing pods keep running); lowering it again says nothing.
      expect(warningsOf((await call(s.url, 'PATCH', '/api/v1/namespaces/lbl', label, mergePatch)).headers)).toHaveLength(2);
      const lowered = await call(
        s.url,
        'PATCH',
        '/api/v1/namespaces/lbl',
        { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
        mergePatch,
      );
      expect(lowered.headers['warning']).toBeUndefined();
    });

    it('refuses invalid Pod Security labels on namespaces with 422', async () => {
      s = await startServer();
      const r = await call<Any>(s.url, 'POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'bad', labels: { 'pod-security.kubernetes.io/enforce': 'strict' } },
      });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ reason: 'Invalid', code: 422 });
      expect(r.body.message).toBe(
        'Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      );
      await namespace(s, 'good');
      const p = await call<Any>(
        s.url,
        'PATCH',
        '/api/v1/namespaces/good',
        { metadata: { labels: { 'pod-security.kubernetes.io/warn-version': '1.30' } } },
        mergePatch,
      );
      expect(p.status).toBe(422);
      expect(p.body.message).toBe(
        'Namespace "good" is invalid: metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.30": must be "latest" or "v1.x"',
      );
    });

    it('exempts configured users and runtime classes', async () => {
      const admin = { name: 'admin', groups: ['system:masters'] };
      const dev = { name: 'dev', groups: ['system:authenticated'] };
      s = await startServer({
        auth: {
          tokens: new Map([
            ['admin-token', admin],
            ['dev-token', dev],
          ]),
          authorizationModes: ['AlwaysAllow'],
          bootstrapTokens: false,
        },
        admissionControl: { podSecurity: { exemptUsernames: ['admin'], exemptRuntimeClasses: ['kata'] } },
      });
      const post = (token: string, body: unknown) =>
        fetch(`${s.url}/api/v1/namespaces/default/pods`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('dev-token', privileged('d'))).status).toBe(403);
      expect((await post('admin-token', privileged('a'))).status).toBe(201);
      const kata = privileged('k') as Any;
      kata.spec.runtimeClassName = 'kata';
      expect((await post('dev-token', kata)).status).toBe(201);
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
