// The rest of the surface kubectl and the components use: pods/log proxying
// to a kubelet, eviction, deletecollection, namespace termination and
// finalize, discovery, version, OpenAPI, health and metrics.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, pod, startServer, type TestServer } from './testing/test-support.js';

type Obj = Record<string, any>;
const PODS = '/api/v1/namespaces/default/pods';

describe('API server: subresources and cluster endpoints', () => {
  let s: TestServer;
  let kubelet: http.Server;
  let kubeletPort: number;
  const kubeletRequests: string[] = [];

  beforeAll(async () => {
    s = await startServer();
    // A stand-in kubelet: the real one serves /containerLogs the same way.
    kubelet = http.createServer((req, res) => {
      kubeletRequests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('line 1\nline 2\n');
    });
    await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
    kubeletPort = (kubelet.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await s.close();
    await new Promise((r) => kubelet.close(r));
  });

  it('pods/log: 400 for an unbound pod, 503 until a kubelet serves it, then proxied', async () => {
    await call(s.url, 'POST', PODS, pod('logged'));
    const unbound = await call<Obj>(s.url, 'GET', `${PODS}/logged/log`);
    expect(unbound.status).toBe(400);
    expect(unbound.body.message).toBe('pod logged does not have a host assigned');

    await call(s.url, 'POST', `${PODS}/logged/binding`, { kind: 'Binding', apiVersion: 'v1', metadata: { name: 'logged' }, target: { name: 'node-log' } });
    const noNode = await call<Obj>(s.url, 'GET', `${PODS}/logged/log`);
    expect(noNode.status).toBe(503);
    expect(noNode.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable' });

    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-log' } };
    await call(s.url, 'POST', '/api/v1/nodes', node);
    const status = {
      ...node,
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } },
    };
    expect((await call(s.url, 'PUT', '/api/v1/nodes/node-log/status', status)).status).toBe(200);
    const logs = await call(s.url, 'GET', `${PODS}/logged/log?tailLines=2&timestamps=true`);
    expect(logs.status).toBe(200);
    expect(logs.text).toBe('line 1\nline 2\n');
    expect(kubeletRequests).toEqual(['/containerLogs/default/logged/web?tailLines=2&timestamps=true']);

    // Booleans as Kubernetes reads them, passed on as `true` or not at all (LogLocation), keys sorted as Go encodes them.
    for (const v of ['True', 'TRUE', 't', '1']) {
      kubeletRequests.length = 0;
      expect((await call(s.url, 'GET', `${PODS}/logged/log?follow=${v}&previous=${v}&timestamps=${v}&limitBytes=10`)).status, v).toBe(200);
      expect(kubeletRequests, v).toEqual(['/containerLogs/default/logged/web?follow=true&limitBytes=10&previous=true&timestamps=true']);
    }
    for (const v of ['false', 'False', 'FALSE', '0']) {
      kubeletRequests.length = 0;
      expect((await call(s.url, 'GET', `${PODS}/logged/log?follow=${v}&previous=${v}&timestamps=${v}`)).status, v).toBe(200);
      expect(kubeletRequests, v).toEqual(['/containerLogs/default/logged/web']);
    }

    const wrong = await call<Obj>(s.url, 'GET', `${PODS}/logged/log?container=nope`);
    expect(wrong.status).toBe(400);
  });

  it('pods/eviction deletes the pod and answers 201 Success', async () => {
    await call(s.url, 'POST', PODS, pod('evicted'));
    const r = await call<Obj>(s.url, 'POST', `${PODS}/evicted/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evicted' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Success' });
    expect((await call(s.url, 'GET', `${PODS}/evicted`)).status).toBe(404);
  });

  it('deletecollection removes what the selector matches', async () => {
    for (const n of ['dc-1', 'dc-2', 'keep'])
      await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: n, labels: { dc: n === 'keep' ? 'no' : 'yes' } },
      });
    const r = await call<Obj>(s.url, 'DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=dc%3Dyes');
    expect(r.status).toBe(200);
    expect((r.body.items as Obj[]).map((i) => i.metadata.name).sort()).toEqual(['dc-1', 'dc-2']);
    const left = (await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=dc')).body.items as Obj[];
    expect(left.map((i) => i.metadata.name)).toEqual(['keep']);
  });

  it('a deleted namespace is Terminating, refuses new content, and goes once finalized', async () => {
    const ns = await call<Obj>(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    expect(ns.body.spec.finalizers).toEqual(['kubernetes']);
    expect(ns.body.metadata.labels['kubernetes.io/metadata.name']).toBe('doomed');
    const del = await call<Obj>(s.url, 'DELETE', '/api/v1/namespaces/doomed');
    expect(del.body.status.phase).toBe('Terminating');
    const refused = await call<Obj>(s.url, 'POST', '/api/v1/namespaces/doomed/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('because it is being terminated');
    const cur = (await call<Obj>(s.url, 'GET', '/api/v1/namespaces/doomed')).body;
    cur.spec.finalizers = [];
    expect((await call(s.url, 'PUT', '/api/v1/namespaces/doomed/finalize', cur)).status).toBe(200);
    expect((await call(s.url, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });

  it('serves discovery, version and OpenAPI', async () => {
    const api = (await call<Obj>(s.url, 'GET', '/api')).body;
    expect(api).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await call<Obj>(s.url, 'GET', '/apis')).body;
    expect((groups.groups as Obj[]).map((g) => g.name)).toEqual(expect.arrayContaining(['apps', 'autoscaling', 'coordination.k8s.io']));
    const v1 = (await call<Obj>(s.url, 'GET', '/api/v1')).body;
    const names = (v1.resources as Obj[]).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['pods', 'pods/status', 'pods/binding', 'pods/log', 'nodes', 'namespaces/finalize']));
    const appsV1 = (await call<Obj>(s.url, 'GET', '/apis/apps/v1')).body;
    expect((appsV1.resources as Obj[]).find((r) => r.name === 'deployments/scale')).toMatchObject({ kind: 'Scale', group: 'autoscaling', version: 'v1' });
    expect((await call<Obj>(s.url, 'GET', '/apis/nope/v1')).status).toBe(404);
    expect((await call<Obj>(s.url, 'GET', '/version')).body).toMatchObject({ major: '1', minor: '32' });
    const v2 = (await call<Obj>(s.url, 'GET', '/openapi/v2')).body;
    expect(v2.definitions['io.k8s.api.core.v1.Pod']).toBeDefined();
    const index = (await call<Obj>(s.url, 'GET', '/openapi/v3')).body;
    const url = index.paths['api/v1'].serverRelativeURL as string;
    const v3 = (await call<Obj>(s.url, 'GET', url)).body;
    expect(v3.components.schemas['io.k8s.api.core.v1.Pod']).toBeDefined();
  });

  it('reports health and request metrics', async () => {
    expect((await call(s.url, 'GET', '/healthz')).text).toBe('ok');
    expect((await call(s.url, 'GET', '/livez')).status).toBe(200);
    expect((await call(s.url, 'GET', '/readyz?verbose')).text).toContain('[+]watch-cache ok');
    const metrics = (await call(s.url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/apiserver_request_total\{verb="create",resource="pods",subresource="",code="201"\} \d+/);
    expect(metrics).toContain('apiserver_request_duration_seconds_bucket');
    expect(metrics).toContain('apiserver_registered_watchers');
  });
});
