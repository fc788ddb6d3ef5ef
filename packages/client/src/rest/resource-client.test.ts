import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, isNotFound } from '../errors.js';
import type { KubeObject, WatchEvent } from '../types.js';
import { HttpTransport } from './http.js';
import { ResourceClient, type ResourceRef } from './resource-client.js';
import { sendJson, startTestServer, type TestServer } from '../testing/test-server.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const DEPLOYMENTS: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };

let srv: TestServer;
let t: HttpTransport;
beforeEach(async () => {
  srv = await startTestServer();
  t = new HttpTransport({ server: srv.url });
  srv.handle((req, res) => sendJson(res, 200, { kind: 'Echo', metadata: { name: 'echo' }, items: [], method: req.method }));
});
afterEach(async () => {
  t.close();
  await srv.close();
});

const last = () => srv.requests[srv.requests.length - 1]!;

describe('ResourceClient paths', () => {
  it('builds core, group, namespaced and cluster-scoped paths', async () => {
    const pods = new ResourceClient<KubeObject>(t, PODS);
    await pods.list();
    expect(last().path).toBe('/api/v1/pods');
    await pods.inNamespace('ns-1').list();
    expect(last().path).toBe('/api/v1/namespaces/ns-1/pods');
    await pods.inNamespace('ns-1').get('web');
    expect(last().path).toBe('/api/v1/namespaces/ns-1/pods/web');
    await new ResourceClient(t, DEPLOYMENTS).inNamespace('prod').get('api');
    expect(last().path).toBe('/apis/apps/v1/namespaces/prod/deployments/api');
    await new ResourceClient(t, NODES).get('node-1');
    expect(last().path).toBe('/api/v1/nodes/node-1');
  });

  it('escapes names and namespaces', async () => {
    await new ResourceClient(t, PODS).inNamespace('a b').get('x/y');
    expect(last().url).toBe('/api/v1/namespaces/a%20b/pods/x%2Fy');
  });

  it('refuses name-based calls on a namespaced resource without a namespace', async () => {
    const pods = new ResourceClient(t, PODS);
    await expect(pods.get('web')).rejects.toThrow(/pods are namespaced/);
    await expect(pods.delete('web')).rejects.toThrow(/pods are namespaced/);
    await expect(pods.patch('web', {}, 'merge')).rejects.toThrow(/pods are namespaced/);
    await expect(pods.create({ metadata: { name: 'web' } })).rejects.toThrow(/pods are namespaced/);
    await expect(pods.update({ metadata: { name: 'web' } })).rejects.toThrow(/pods are namespaced/);
    await expect(pods.update({ metadata: { namespace: 'x' } })).rejects.toThrow(/no metadata.name/);
    expect(srv.requests).toHaveLength(0);
    expect(() => new ResourceClient(t, NODES).inNamespace('x')).toThrow(/cluster-scoped/);
  });

  it('takes the namespace of a write from the client scope, else from the object', async () => {
    const pods = new ResourceClient(t, PODS);
    await pods.create({ metadata: { generateName: 'web-', namespace: 'from-object' } });
    expect(last()).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/from-object/pods' });
    await pods.inNamespace('scoped').create({ metadata: { name: 'web' } });
    expect(last().path).toBe('/api/v1/namespaces/scoped/pods');
    await pods.update({ metadata: { name: 'web', namespace: 'n' } });
    expect(last()).toMatchObject({ method: 'PUT', path: '/api/v1/namespaces/n/pods/web' });
    await pods.updateStatus({ metadata: { name: 'web', namespace: 'n' } });
    expect(last()).toMatchObject({ method: 'PUT', path: '/api/v1/namespaces/n/pods/web/status' });
    await new ResourceClient(t, NODES).create({ metadata: { name: 'n1', namespace: 'ignored' } });
    expect(last().path).toBe('/api/v1/nodes');
  });

  it('keeps subclass types through inNamespace', () => {
    class Special extends ResourceClient<KubeObject> {
      hello(): string {
        return `hello ${this.namespace}`;
      }
    }
    const s = new Special(t, PODS).inNamespace('q');
    expect(s).toBeInstanceOf(Special);
    expect(s.hello()).toBe('hello q');
  });
});

describe('ResourceClient requests', () => {
  const pods = () => new ResourceClient<KubeObject>(t, PODS).inNamespace('default');

  it('sends list options as query parameters', async () => {
    await pods().list({
      labelSelector: 'app=web',
      fieldSelector: 'spec.nodeName=n1',
      limit: 10,
      continue: 'tok',
      resourceVersion: '5',
      resourceVersionMatch: 'NotOlderThan',
      timeoutSeconds: 3,
    });
    expect(Object.fromEntries(last().query)).toEqual({
      labelSelector: 'app=web',
      fieldSelector: 'spec.nodeName=n1',
      limit: '10',
      continue: 'tok',
      resourceVersion: '5',
      resourceVersionMatch: 'NotOlderThan',
      timeoutSeconds: '3',
    });
  });

  it('sends dryRun and fieldValidation on writes', async () => {
    await pods().create({ metadata: { name: 'a' } }, { dryRun: true, fieldValidation: 'Strict' });
    expect(Object.fromEntries(last().query)).toEqual({ dryRun: 'All', fieldValidation: 'Strict' });
    expect(last().json).toEqual({ metadata: { name: 'a' } });
  });

  it('sends the three patch types with their content types, and to status on request', async () => {
    await pods().patch('a', [{ op: 'replace', path: '/metadata/labels', value: {} }], 'json');
    expect(last()).toMatchObject({ method: 'PATCH', path: '/api/v1/namespaces/default/pods/a' });
    expect(last().headers['content-type']).toBe('application/json-patch+json');
    expect(last().json).toEqual([{ op: 'replace', path: '/metadata/labels', value: {} }]);
    await pods().patch('a', { metadata: { labels: { x: 'y' } } }, 'merge');
    expect(last().headers['content-type']).toBe('application/merge-patch+json');
    await pods().patch('a', { status: { phase: 'Running' } }, 'strategic', { status: true });
    expect(last().headers['content-type']).toBe('application/strategic-merge-patch+json');
    expect(last().path).toBe('/api/v1/namespaces/default/pods/a/status');
    await expect(pods().patch('a', {}, 'apply' as never)).rejects.toThrow(/unknown patch type/);
  });

  it('sends DeleteOptions only when asked, and returns what the server answers', async () => {
    srv.handle((_req, res) => sendJson(res, 200, { kind: 'Pod', metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } }));
    const out = await pods().delete('a');
    expect(last().body).toBe('');
    expect(out.metadata?.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    await pods().delete('a', { gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u1', resourceVersion: '7' }, dryRun: true });
    expect(last().json).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'u1', resourceVersion: '7' },
      dryRun: ['All'],
    });
  });

  it('deletes a collection with selectors', async () => {
    await new ResourceClient(t, PODS).deleteCollection({ labelSelector: 'app=x', propagationPolicy: 'Background' });
    expect(last()).toMatchObject({ method: 'DELETE', path: '/api/v1/pods' });
    expect(Object.fromEntries(last().query)).toEqual({ labelSelector: 'app=x' });
    expect(last().json).toMatchObject({ kind: 'DeleteOptions', propagationPolicy: 'Background' });
  });

  it('surfaces server errors as ApiError', async () => {
    srv.handle((_req, res) => sendJson(res, 404, { kind: 'Status', code: 404, reason: 'NotFound', message: 'pods "a" not found' }));
    const err = await pods()
      .get('a')
      .catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
  });
});

describe('ResourceClient.listAll', () => {
  const pages = [
    { items: ['a', 'b'], continue: 'p2', remaining: 3 },
    { items: ['c', 'd'], continue: 'p3', remaining: 1 },
    { items: ['e'], continue: undefined, remaining: undefined },
  ];
  const list = (names: string[], extra: Record<string, unknown>) => ({
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '42', ...extra },
    items: names.map((name) => ({ metadata: { name } })),
  });

  it('follows continue to the last page, keeping the snapshot resourceVersion', async () => {
    srv.handle((req, res) => {
      const i = req.query.get('continue') === 'p2' ? 1 : req.query.get('continue') === 'p3' ? 2 : 0;
      const p = pages[i]!;
      sendJson(res, 200, list(p.items, p.continue ? { continue: p.continue, remainingItemCount: p.remaining } : {}));
    });
    const out = await new ResourceClient(t, PODS).listAll({ limit: 2, labelSelector: 'a=b' });
    expect(out.items.map((o) => o.metadata?.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(out.metadata).toEqual({ resourceVersion: '42' });
    expect(srv.requests.map((r) => [r.query.get('limit'), r.query.get('continue'), r.query.get('labelSelector')])).toEqual([
      ['2', null, 'a=b'],
      ['2', 'p2', 'a=b'],
      ['2', 'p3', 'a=b'],
    ]);
  });

  it('falls back to one unpaged list when a continue token has expired', async () => {
    srv.handle((req, res) => {
      if (req.query.get('continue')) return sendJson(res, 410, { kind: 'Status', code: 410, reason: 'Expired', message: 'continue expired' });
      if (req.query.get('limit')) return sendJson(res, 200, list(['a'], { continue: 'p2' }));
      sendJson(res, 200, list(['a', 'b', 'c'], { resourceVersion: '50' }));
    });
    const out = await new ResourceClient(t, PODS).listAll({ limit: 1, labelSelector: 'x' });
    expect(out.items.map((o) => o.metadata?.name)).toEqual(['a', 'b', 'c']);
    expect(out.metadata.resourceVersion).toBe('50');
    expect(srv.requests[2]!.query.get('labelSelector')).toBe('x');
    expect(srv.requests[2]!.query.has('limit')).toBe(false);
  });
});

describe('ResourceClient.watch', () => {
  it('asks for a watch with its options and yields events', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }) + '\n');
    });
    const events: Array<WatchEvent<KubeObject>> = [];
    for await (const ev of new ResourceClient(t, PODS)
      .inNamespace('d')
      .watch({ resourceVersion: '10', allowWatchBookmarks: true, labelSelector: 'a=b', timeoutSeconds: 30 })) {
      events.push(ev);
    }
    expect(last().path).toBe('/api/v1/namespaces/d/pods');
    expect(Object.fromEntries(last().query)).toEqual({
      watch: 'true',
      resourceVersion: '10',
      allowWatchBookmarks: 'true',
      labelSelector: 'a=b',
      timeoutSeconds: '30',
    });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ERROR']);
  });

  it('starts no request until iterated', async () => {
    new ResourceClient(t, PODS).watch({});
    await new Promise((r) => setTimeout(r, 20));
    expect(srv.requests).toHaveLength(0);
  });

  it('throws ApiError before the first event on a non-2xx answer', async () => {
    srv.handle((_req, res) => sendJson(res, 400, { kind: 'Status', code: 400, reason: 'BadRequest', message: 'unable to parse requirement' }));
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const ev of new ResourceClient(t, PODS).watch({ labelSelector: '!!' })) seen.push(ev);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([]);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
  });

  it('ends quietly when aborted before the server answers', async () => {
    let arrived!: () => void;
    const seen = new Promise<void>((r) => (arrived = r));
    srv.handle(() => arrived());
    const ac = new AbortController();
    const done = (async () => {
      for await (const _ev of new ResourceClient(t, PODS).watch({ signal: ac.signal })) throw new Error('no events expected');
      return 'ended';
    })();
    await seen;
    ac.abort();
    expect(await done).toBe('ended');
  });

  it('reports a stream that breaks as a TransportError naming the URL', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
      setImmediate(() => res.socket?.destroy());
    });
    const err = await (async () => {
      for await (const _ev of new ResourceClient(t, PODS).watch()) {
        // keep reading
      }
    })().catch((e: unknown) => e);
    expect((err as Error).name).toBe('TransportError');
    expect((err as Error).message).toContain('/api/v1/pods: the watch stream broke');
  });
});
