// pods/proxy and services/proxy through the real API server, to a real HTTP
// backend on this machine's non-loopback address (the API server refuses
// loopback pod IPs, as Kubernetes does).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, pod, startServer, type TestServer } from '../testing/test-support.js';

type Obj = Record<string, any>;

function hostAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this test needs a non-loopback IPv4 address on the machine (docker0 or a LAN interface) to stand for a pod IP');
}

describe('API server: pods/proxy and services/proxy', () => {
  let s: TestServer;
  let backend: http.Server;
  let port = 0;
  const ip = hostAddress();

  beforeAll(async () => {
    backend = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(req.url?.startsWith('/teapot') ? 418 : 200, { 'content-type': 'application/json', 'x-backend': 'yes' });
        res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }));
      });
    });
    await new Promise<void>((r) => backend.listen(0, '0.0.0.0', r));
    port = (backend.address() as AddressInfo).port;
    s = await startServer();
    const p = pod('web');
    (p['spec'] as Obj)['containers'][0].ports = [{ name: 'http', containerPort: port }];
    await call(s.url, 'POST', '/api/v1/namespaces/default/pods', p);
    const current = (await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/pods/web')).body;
    const st = await call(s.url, 'PUT', '/api/v1/namespaces/default/pods/web/status', {
      ...current,
      status: { ...current['status'], podIP: ip, podIPs: [{ ip }] },
    });
    expect(st.status).toBe(200);
    await call(s.url, 'POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: port }] },
    });
    await call(s.url, 'PUT', '/api/v1/namespaces/default/endpoints/web', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip }], ports: [{ name: 'http', port }] }],
    });
  });
  afterAll(async () => {
    await s.close();
    await new Promise((r) => backend.close(r));
  });

  it('proxies to a pod port by number or name: method, path, query and body pass; credentials do not', async () => {
    const r = await fetch(`${s.url}/api/v1/namespaces/default/pods/web:${port}/proxy/some/path?x=1&y=two`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'session=secret', 'x-custom': 'kept' },
      // Passed on as sent, not parsed: the backend's format is not the API server's business.
      body: '{"not": valid json',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-backend')).toBe('yes');
    const echoed = (await r.json()) as Obj;
    expect(echoed).toMatchObject({ method: 'POST', url: '/some/path?x=1&y=two', body: '{"not": valid json' });
    expect(echoed['headers']['x-custom']).toBe('kept');
    expect(echoed['headers']['cookie']).toBeUndefined();
    const byName = await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/pods/web:http/proxy/');
    expect(byName.body).toMatchObject({ method: 'GET', url: '/' });
    const teapot = await fetch(`${s.url}/api/v1/namespaces/default/pods/web:${port}/proxy/teapot`);
    expect(teapot.status).toBe(418);
    const put = await fetch(`${s.url}/api/v1/namespaces/default/pods/web:${port}/proxy/bin`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([1, 2, 3]),
    });
    expect(((await put.json()) as Obj)['method']).toBe('PUT');
    // The insecure server still keeps browsers' form posts out (http/browser-guard.ts), proxy or not.
    const form = await fetch(`${s.url}/api/v1/namespaces/default/pods/web:${port}/proxy/`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(form.status).toBe(415);
  });

  it('proxies to a ready endpoint of a Service', async () => {
    const r = await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/services/web:http/proxy/hi?a=b');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ method: 'GET', url: '/hi?a=b' });
    const only = await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/services/web/proxy');
    expect(only.body.url).toBe('/');
  });

  it('answers with Kubernetes-style errors when there is nothing to reach', async () => {
    expect((await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/pods/nope/proxy/')).status).toBe(404);
    expect((await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/services/web:nope/proxy/')).status).toBe(503);
    const refused = await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/pods/web:1/proxy/');
    expect(refused.status).toBe(503);
    expect(refused.body.message).toContain('error trying to reach pod "web"');
    await call(s.url, 'POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'empty' },
      spec: { selector: { app: 'none' }, ports: [{ port: 80 }] },
    });
    const none = await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/services/empty/proxy/');
    expect(none.status).toBe(503);
    expect(none.body.message).toBe('no endpoints available for service "empty"');
    // Other subresources still refuse bodies they cannot read.
    const bad = await fetch(`${s.url}/api/v1/namespaces/default/pods/web/binding`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(bad.status).toBe(415);
  });
});
