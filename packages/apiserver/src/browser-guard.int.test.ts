// The insecure (unauthenticated) API server keeps web browsers out
// (http/browser-guard.ts): DNS rebinding (a foreign Host), cross-site
// requests (an Origin on a write or a WebSocket upgrade) and form posts
// (no JSON content type) are refused before anything else runs; with
// authentication configured none of it applies.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { isLoopbackHost } from '@mk8s/api';
import { call, pod, startServer, type TestServer } from './testing/test-support.js';

type Obj = Record<string, any>;
const PODS = '/api/v1/namespaces/default/pods';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

/** One request with exactly these headers (Node adds none but Content-Length for a body). */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: Obj | undefined; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, setHost: false, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: Obj | undefined;
        try {
          parsed = JSON.parse(text) as Obj;
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket handshake: 101 when upgraded (closed at once), else the refusal's status and Status body. */
function upgrade(base: string, path: string, opts: { origin?: string; host?: string }): Promise<{ status: number; body: Obj | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + path, ['v5.channel.k8s.io'], {
      origin: opts.origin,
      headers: opts.host ? { host: opts.host } : undefined,
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: undefined });
    });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Obj) : undefined }));
    });
    ws.on('error', reject);
  });
}

describe('isLoopbackHost', () => {
  it('takes localhost, 127.0.0.0/8 and [::1], with or without a port, and nothing else', () => {
    for (const h of ['127.0.0.1', '127.0.0.1:6443', '127.1.2.3:80', 'localhost', 'LOCALHOST:6443', '[::1]', '[::1]:6443', '[0:0:0:0:0:0:0:1]:1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      undefined,
      '',
      'evil.example',
      'evil.example:6443',
      '10.0.0.1:6443',
      '0.0.0.0:6443',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '[::2]:6443',
      '::1',
      '127.1',
      'evil@127.0.0.1',
      '127.0.0.1:6443:1',
      '[::1]x',
    ]) {
      expect(isLoopbackHost(h), String(h)).toBe(false);
    }
  });
});

describe('API server without authentication: browsers are kept out', () => {
  let s: TestServer;
  let port: string;

  beforeAll(async () => {
    s = await startServer();
    port = new URL(s.url).port;
  });
  afterAll(async () => {
    await s.close();
  });

  it('refuses a Host that is not a loopback name (DNS rebinding) with a 403 Status, on every path', async () => {
    for (const path of [CONFIGMAPS, '/version', '/healthz', '/metrics']) {
      const r = await raw(s.url, 'GET', path, { host: `evil.example:${port}` });
      expect(r.status, path).toBe(403);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
      expect(r.body!.message).toMatch(/only serves requests addressed to a loopback name.*--tls-cert-file/);
    }
    const created = await raw(
      s.url,
      'POST',
      CONFIGMAPS,
      { host: 'rebound.example', 'content-type': 'application/json' },
      JSON.stringify({ metadata: { name: 'rebound' } }),
    );
    expect(created.status).toBe(403);
    expect((await call(s.url, 'GET', `${CONFIGMAPS}/rebound`)).status).toBe(404);
  });

  it('refuses a request without a Host header (HTTP/1.0; HTTP/1.1 needs one)', async () => {
    const url = new URL(s.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => socket.end(`GET ${CONFIGMAPS} HTTP/1.0\r\n\r\n`));
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.[01] 403 /);
    expect(reply).toContain('"reason":"Forbidden"');
  });

  it('serves loopback Host names: 127.0.0.0/8, localhost and [::1], with any port or none', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, '127.0.0.1', 'localhost', `127.9.8.7:${port}`, `LocalHost:1`]) {
      const r = await raw(s.url, 'GET', CONFIGMAPS, { host });
      expect(r.status, host).toBe(200);
    }
  });

  it('refuses an Origin on writes, serves it on reads', async () => {
    const cm = JSON.stringify({ metadata: { name: 'from-a-page' } });
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${port}`]) {
      const r = await raw(s.url, 'POST', CONFIGMAPS, { host: `127.0.0.1:${port}`, origin, 'content-type': 'application/json' }, cm);
      expect(r.status, origin).toBe(403);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
      expect(r.body!.message).toMatch(/cross-origin/);
    }
    expect((await raw(s.url, 'DELETE', `${CONFIGMAPS}/x`, { host: `127.0.0.1:${port}`, origin: 'https://evil.example' })).status).toBe(403);
    expect((await call(s.url, 'GET', `${CONFIGMAPS}/from-a-page`)).status).toBe(404);
    const read = await raw(s.url, 'GET', CONFIGMAPS, { host: `127.0.0.1:${port}`, origin: 'https://evil.example' });
    expect(read.status).toBe(200);
    // No CORS headers: the page cannot read what it got.
    expect(read.text).toContain('ConfigMapList');
  });

  it('refuses a cross-site WebSocket to pods/exec before the upgrade (a page cannot run commands)', async () => {
    const path = `${PODS}/web/exec?command=sh&command=-c&command=id&stdout=true`;
    const cross = await upgrade(s.url, path, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.body).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
    const rebound = await upgrade(s.url, path, { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    // Without an Origin the same request goes on to the pod lookup (there is no pod "web").
    const kubectl = await upgrade(s.url, path, {});
    expect(kubectl.status).toBe(404);
  });

  it('refuses a POST without a JSON content type (415), even an empty one: no bodiless eviction or token request', async () => {
    expect((await call(s.url, 'POST', PODS, pod('victim'))).status).toBe(201);
    const forms: Array<Record<string, string>> = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
    ];
    for (const headers of forms) {
      const r = await raw(s.url, 'POST', `${PODS}/victim/eviction`, { host: `127.0.0.1:${port}`, 'content-length': '0', ...headers });
      expect(r.status, JSON.stringify(headers)).toBe(415);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
    }
    expect((await call(s.url, 'GET', `${PODS}/victim`)).status).toBe(200);
    const token = await raw(s.url, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { host: `127.0.0.1:${port}`, 'content-length': '0' });
    expect(token.status).toBe(415);
    // kubectl drain sends an Eviction as JSON: served.
    const evicted = await call<Obj>(s.url, 'POST', `${PODS}/victim/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'victim' } });
    expect(evicted.status).toBe(201);
    expect((await call(s.url, 'GET', `${PODS}/victim`)).status).toBe(404);
  });

  it('accepts the content types clients send: JSON with parameters, protobuf', async () => {
    const r = await raw(
      s.url,
      'POST',
      CONFIGMAPS,
      { host: `localhost:${port}`, 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify({ metadata: { name: 'ct-json' } }),
    );
    expect(r.status).toBe(201);
    // A protobuf body that does not decode is the decoder's 400, not the guard's 415.
    const pb = await raw(s.url, 'POST', CONFIGMAPS, { host: `localhost:${port}`, 'content-type': 'application/vnd.kubernetes.protobuf' }, 'garbage');
    expect(pb.status).toBe(400);
  });
});

describe('API server with authentication: no browser checks (authentication protects it)', () => {
  let s: TestServer;
  const user = { name: 'admin', groups: ['system:masters'] };

  beforeAll(async () => {
    s = await startServer({ auth: { tokens: new Map([['secret', user]]), authorizationModes: ['AlwaysAllow'], bootstrapTokens: false } });
  });
  afterAll(async () => {
    await s.close();
  });

  it('serves any Host and an Origin to a caller with credentials, and leaves anonymous callers to authentication', async () => {
    const auth = { authorization: 'Bearer secret' };
    expect((await raw(s.url, 'GET', CONFIGMAPS, { host: 'apiserver.example:6443', ...auth })).status).toBe(200);
    const created = await raw(
      s.url,
      'POST',
      CONFIGMAPS,
      { host: 'apiserver.example:6443', origin: 'https://dashboard.example', 'content-type': 'application/json', ...auth },
      JSON.stringify({ metadata: { name: 'secure' } }),
    );
    expect(created.status).toBe(201);
    expect((await raw(s.url, 'GET', CONFIGMAPS, { host: 'apiserver.example:6443' })).status).toBe(401);
  });
});
