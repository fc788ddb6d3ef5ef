import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isServiceUnavailable } from '../errors.js';
import { Clientset, PodClient, ScalableClient } from './clientset.js';
import type { ResourceClient } from './resource-client.js';
import { sendJson, startTestServer, type TestServer } from '../testing/test-server.js';

let srv: TestServer;
let cs: Clientset;
beforeEach(async () => {
  srv = await startTestServer();
  cs = new Clientset({ server: srv.url, token: 't0k' });
  srv.handle((_req, res) => sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 }));
});
afterEach(async () => {
  cs.close();
  await srv.close();
});
const last = () => srv.requests[srv.requests.length - 1]!;

describe('Clientset', () => {
  it('has a client per built-in resource at the right paths, sharing one transport', async () => {
    const expected: Array<[ResourceClient<any>, string]> = [
      [cs.pods, '/api/v1/pods'],
      [cs.nodes, '/api/v1/nodes'],
      [cs.namespaces, '/api/v1/namespaces'],
      [cs.services, '/api/v1/services'],
      [cs.endpoints, '/api/v1/endpoints'],
      [cs.events, '/api/v1/events'],
      [cs.configMaps, '/api/v1/configmaps'],
      [cs.secrets, '/api/v1/secrets'],
      [cs.leases, '/apis/coordination.k8s.io/v1/leases'],
      [cs.replicaSets, '/apis/apps/v1/replicasets'],
      [cs.deployments, '/apis/apps/v1/deployments'],
      [cs.horizontalPodAutoscalers, '/apis/autoscaling/v2/horizontalpodautoscalers'],
    ];
    for (const [client, p] of expected) {
      expect(client.path()).toBe(p);
      expect(client.transport).toBe(cs.transport);
    }
    expect(cs.pods).toBeInstanceOf(PodClient);
    expect(cs.deployments).toBeInstanceOf(ScalableClient);
    expect(cs.pods.inNamespace('x')).toBeInstanceOf(PodClient);
    expect(cs.nodes.ref.namespaced).toBe(false);
  });

  it('makes clients for other resources, known or not', () => {
    expect(cs.resource('apps', 'v1', 'deployments').inNamespace('a').path({ name: 'd' })).toBe('/apis/apps/v1/namespaces/a/deployments/d');
    expect(cs.resource('example.com', 'v1alpha1', 'widgets').inNamespace('a').path()).toBe('/apis/example.com/v1alpha1/namespaces/a/widgets');
    expect(cs.resource('example.com', 'v1', 'clusterwidgets', { namespaced: false }).path({ name: 'w' })).toBe('/apis/example.com/v1/clusterwidgets/w');
    expect(cs.resource('', 'v1', 'nodes').ref.namespaced).toBe(false);
  });

  it('builds from a kubeconfig', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mk8s-cs-'));
    try {
      const f = path.join(dir, 'config');
      await writeFile(
        f,
        `clusters: [{name: c, cluster: {server: "${srv.url}"}}]\nusers: [{name: u, user: {token: from-file}}]\ncontexts: [{name: x, context: {cluster: c, user: u, namespace: team}}]\ncurrent-context: x\n`,
      );
      const fromFile = await Clientset.fromKubeconfig(f);
      try {
        expect(fromFile.config.namespace).toBe('team');
        srv.handle((_req, res) => sendJson(res, 200, { kind: 'NamespaceList', metadata: {}, items: [] }));
        await fromFile.namespaces.list();
        expect(last().headers['authorization']).toBe('Bearer from-file');
      } finally {
        fromFile.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('pods subresources', () => {
  it('bind posts a Binding to pods/<name>/binding', async () => {
    const out = await cs.pods.bind('default', 'web', 'node-1', { uid: 'u-1' });
    expect(out).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(last()).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/default/pods/web/binding' });
    expect(last().json).toEqual({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'web', namespace: 'default', uid: 'u-1' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
    });
  });

  it('evict posts an Eviction carrying the delete options', async () => {
    await cs.pods.evict('default', 'web');
    expect(last()).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/default/pods/web/eviction' });
    expect(last().json).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web', namespace: 'default' } });
    await cs.pods.evict('default', 'web', { gracePeriodSeconds: 5, preconditions: { uid: 'u' }, dryRun: true });
    expect((last().json as any).deleteOptions).toEqual({ gracePeriodSeconds: 5, preconditions: { uid: 'u' }, dryRun: ['All'] });
  });

  it('log streams text with its options', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('one\n');
      res.end('two\n');
    });
    const text = await cs.pods.logText('default', 'web', { container: 'app', tailLines: 10, previous: true, timestamps: true });
    expect(text).toBe('one\ntwo\n');
    expect(last().path).toBe('/api/v1/namespaces/default/pods/web/log');
    expect(Object.fromEntries(last().query)).toEqual({ container: 'app', tailLines: '10', previous: 'true', timestamps: 'true' });
  });

  it('log rejects with ApiError when the server cannot serve it', async () => {
    srv.handle((_req, res) => sendJson(res, 503, { kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: 'no kubelet' }));
    const err = await cs.pods.log('default', 'web', { follow: true }).catch((e: unknown) => e);
    expect(isServiceUnavailable(err)).toBe(true);
    expect(last().query.get('follow')).toBe('true');
  });
});

describe('scale subresource', () => {
  it('gets and updates a Scale', async () => {
    srv.handle((req, res) =>
      sendJson(res, 200, { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'd' }, spec: { replicas: (req.json as any)?.spec?.replicas ?? 2 } }),
    );
    expect((await cs.deployments.getScale('prod', 'd')).spec?.replicas).toBe(2);
    expect(last()).toMatchObject({ method: 'GET', path: '/apis/apps/v1/namespaces/prod/deployments/d/scale' });
    expect((await cs.replicaSets.updateScale('prod', 'rs', 7, { resourceVersion: '9' })).spec?.replicas).toBe(7);
    expect(last()).toMatchObject({ method: 'PUT', path: '/apis/apps/v1/namespaces/prod/replicasets/rs/scale' });
    expect(last().json).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'rs', namespace: 'prod', resourceVersion: '9' },
      spec: { replicas: 7 },
    });
  });
});
