import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, startServer, type TestServer } from '../testing/test-support.js';
import type { Summary } from './summary.js';

/** A stand-in kubelet: serves whatever summary the test sets. */
async function fakeKubelet(): Promise<{ port: number; set(s: Summary): void; close(): Promise<void> }> {
  let summary: Summary = { pods: [] };
  const server = http.createServer((req, res) => {
    if (req.url !== '/stats/summary') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(summary));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    set: (s) => (summary = s),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** Two containers of pod web-1 and one of db-1 at time t with cumulative CPU seconds. */
function summaryAt(t: number, cpuSeconds: number): Summary {
  const c = (name: string, cores: number, mem: number) => ({
    name,
    startTime: iso(T0 - 60_000),
    cpu: { time: iso(t), usageCoreNanoSeconds: Math.round(cpuSeconds * cores * 1e9), usageNanoCores: 1 },
    memory: { time: iso(t), workingSetBytes: mem },
  });
  return {
    node: {
      nodeName: 'node-1',
      cpu: { time: iso(t), usageCoreNanoSeconds: Math.round(cpuSeconds * 0.7 * 1e9), usageNanoCores: 700_000_000 },
      memory: { time: iso(t), workingSetBytes: 3 * 1024 * 1024 },
    },
    pods: [
      { podRef: { name: 'web-1', namespace: 'default', uid: 'u1' }, containers: [c('app', 0.25, 1024 * 1024), c('sidecar', 0.05, 1000)] },
      { podRef: { name: 'db-1', namespace: 'prod', uid: 'u2' }, containers: [c('pg', 0.4, 2 * 1024 * 1024)] },
    ],
  };
}

describe('metrics.k8s.io/v1beta1 over kubelet summaries', () => {
  let server: TestServer;
  let kubelet: Awaited<ReturnType<typeof fakeKubelet>>;

  beforeEach(async () => {
    server = await startServer({ metricsResolutionMs: 0 });
    kubelet = await fakeKubelet();
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { zone: 'a' } } };
    expect((await call(server.url, 'POST', '/api/v1/nodes', node)).status).toBe(201);
    const status = {
      ...node,
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
    };
    expect((await call(server.url, 'PUT', '/api/v1/nodes/node-1/status', status)).status).toBe(200);
    await call(server.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
    for (const [ns, name, app] of [
      ['default', 'web-1', 'web'],
      ['prod', 'db-1', 'db'],
    ] as const) {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app } },
        spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
      };
      expect((await call(server.url, 'POST', `/api/v1/namespaces/${ns}/pods`, pod)).status).toBe(201);
    }
  });
  afterEach(async () => {
    await server.close();
    await kubelet.close();
  });

  it('is discoverable: /apis lists the group, the version lists nodes and pods', async () => {
    const groups = (await call<{ groups: Array<{ name: string; preferredVersion: { version: string } }> }>(server.url, 'GET', '/apis')).body.groups;
    expect(groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.version).toBe('v1beta1');
    const list = (
      await call<{ resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }> }>(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1')
    ).body;
    expect(list.resources).toEqual([
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ]);
    expect((await call(server.url, 'GET', '/apis/metrics.k8s.io')).body).toMatchObject({ kind: 'APIGroup', name: 'metrics.k8s.io' });
  });

  it('serves rates from two scrapes of cumulative CPU, memory working sets, in metrics-server shapes', async () => {
    const scraper = server.metricsPipeline.scraper;
    kubelet.set(summaryAt(T0, 100));
    await scraper.scrapeNow();
    // One sample: pods have no rate yet; the node shows the runtime's own figure.
    expect((await call<{ items: unknown[] }>(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/pods')).body.items).toEqual([]);
    kubelet.set(summaryAt(T0 + 10_000, 110));
    await scraper.scrapeNow();

    const web = await call(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1');
    expect(web.status).toBe(200);
    expect(web.body).toMatchObject({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
      timestamp: '2026-01-01T00:00:10Z',
      window: '10s',
      containers: [
        { name: 'app', usage: { cpu: '250m', memory: '1Mi' } },
        { name: 'sidecar', usage: { cpu: '50m', memory: '1000' } },
      ],
    });
    const nodes = await call<{ kind: string; items: Array<Record<string, unknown>> }>(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(nodes.body.kind).toBe('NodeMetricsList');
    expect(nodes.body.items).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: 'node-1', labels: { zone: 'a' } }),
        window: '10s',
        usage: { cpu: '700m', memory: '3Mi' },
      }),
    ]);
    expect((await call(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/node-1')).body).toMatchObject({ kind: 'NodeMetrics', usage: { cpu: '700m' } });

    const all = await call<{ items: Array<{ metadata: { name: string } }> }>(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/pods');
    expect(all.body.items.map((i) => i.metadata.name).sort()).toEqual(['db-1', 'web-1']);
    const selected = await call<{ items: Array<{ metadata: { name: string } }> }>(
      server.url,
      'GET',
      '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb',
    );
    expect(selected.body.items.map((i) => i.metadata.name)).toEqual(['db-1']);
    const byField = await call<{ items: unknown[] }>(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/prod/pods?fieldSelector=metadata.name%3Dnope');
    expect(byField.body.items).toEqual([]);
    expect((await call<{ items: unknown[] }>(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Db')).body.items).toEqual([]);
  });

  it('answers 404 for unknown objects, 405 for writes and watch, 400 for a bad selector', async () => {
    const missing = await call(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods.metrics.k8s.io "nope" not found' });
    expect((await call(server.url, 'POST', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', {})).status).toBe(405);
    expect((await call(server.url, 'DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/node-1')).status).toBe(405);
    for (const v of ['true', 'True', 'TRUE', 't', '1'])
      expect((await call(server.url, 'GET', `/apis/metrics.k8s.io/v1beta1/pods?watch=${v}`)).status, v).toBe(405);
    for (const v of ['false', 'False', '0']) expect((await call(server.url, 'GET', `/apis/metrics.k8s.io/v1beta1/pods?watch=${v}`)).status, v).toBe(200);
    expect((await call(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20b%20c')).status).toBe(400);
    expect((await call(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/services')).status).toBe(404);
  });

  it('drops a node that stops answering, and its pods', async () => {
    kubelet.set(summaryAt(T0, 100));
    await server.metricsPipeline.scraper.scrapeNow();
    kubelet.set(summaryAt(T0 + 10_000, 110));
    await server.metricsPipeline.scraper.scrapeNow();
    await kubelet.close();
    await server.metricsPipeline.scraper.scrapeNow();
    expect((await call<{ items: unknown[] }>(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).body.items).toEqual([]);
    expect((await call<{ items: unknown[] }>(server.url, 'GET', '/apis/metrics.k8s.io/v1beta1/pods')).body.items).toEqual([]);
    kubelet = await fakeKubelet(); // for afterEach
  });
});

describe('autoscaling/v1 HorizontalPodAutoscalers (a view over autoscaling/v2)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer({ metricsResolutionMs: 0 });
  });
  afterEach(async () => {
    await server.close();
  });

  it('creates through v1 (what kubectl autoscale sends) and reads both versions', async () => {
    const v1 = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    };
    const created = await call(server.url, 'POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers', v1);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 50, maxReplicas: 5 } });
    const v2 = await call(server.url, 'GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web');
    expect(v2.body).toMatchObject({
      apiVersion: 'autoscaling/v2',
      spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    });

    // A v2-only field survives a v1 read-modify-write through the annotation.
    const withBehavior = { ...(v2.body as Record<string, unknown>) };
    (withBehavior['spec'] as Record<string, unknown>)['behavior'] = { scaleDown: { stabilizationWindowSeconds: 10 } };
    expect((await call(server.url, 'PUT', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web', withBehavior)).status).toBe(200);
    const viewed = (
      await call<Record<string, { annotations?: Record<string, string> }>>(
        server.url,
        'GET',
        '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web',
      )
    ).body;
    expect(viewed['metadata']!.annotations?.['autoscaling.alpha.kubernetes.io/behavior']).toContain('"stabilizationWindowSeconds":10');
    const patched = await call(
      server.url,
      'PATCH',
      '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web',
      { spec: { targetCPUUtilizationPercentage: 70 } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(200);
    const after = (
      await call<{
        spec: { behavior?: { scaleDown?: { stabilizationWindowSeconds?: number } }; metrics: Array<{ resource: { target: { averageUtilization: number } } }> };
      }>(server.url, 'GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web')
    ).body;
    expect(after.spec.metrics[0]!.resource.target.averageUtilization).toBe(70);
    expect(after.spec.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(10);

    const list = await call<{ kind: string; items: unknown[] }>(server.url, 'GET', '/apis/autoscaling/v1/horizontalpodautoscalers');
    expect(list.body).toMatchObject({ kind: 'HorizontalPodAutoscalerList', items: [expect.objectContaining({ apiVersion: 'autoscaling/v1' })] });
    const group = (await call<{ versions: Array<{ version: string }>; preferredVersion: { version: string } }>(server.url, 'GET', '/apis/autoscaling')).body;
    expect(group.versions.map((v) => v.version)).toEqual(['v2', 'v1']);
    expect(group.preferredVersion.version).toBe('v2');
    expect((await call(server.url, 'DELETE', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web')).status).toBe(200);
  });
});
