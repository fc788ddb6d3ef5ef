import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound, isRetryable } from '../errors.js';
import { HttpTransport, TransportError } from './http.js';
import type { RateLimiter } from './rate-limiter.js';
import { sendJson, startTestServer, type TestServer } from '../testing/test-server.js';

let srv: TestServer;
let t: HttpTransport;

beforeEach(async () => {
  srv = await startTestServer();
  t = new HttpTransport({ server: srv.url, token: 'secret-token', userAgent: 'unit-test/1' });
});
afterEach(async () => {
  t.close();
  await srv.close();
});

function status(code: number, reason: string, message = reason) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}

describe('HttpTransport.request', () => {
  it('sends JSON with bearer token, user agent, accept and query, and parses the JSON reply', async () => {
    srv.handle((req, res) => sendJson(res, 201, { echoed: req.json }));
    const out = await t.request<{ echoed: unknown }>({
      method: 'POST',
      path: '/api/v1/namespaces/default/pods',
      query: { dryRun: 'All', limit: 5, watch: false, skip: undefined, multi: ['a', 'b'] },
      body: { kind: 'Pod', metadata: { name: 'p', annotations: { note: 'héllo ✓' } } },
    });
    expect(out.echoed).toEqual({ kind: 'Pod', metadata: { name: 'p', annotations: { note: 'héllo ✓' } } });
    const req = srv.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/v1/namespaces/default/pods');
    expect([...req.query.entries()]).toEqual([
      ['dryRun', 'All'],
      ['limit', '5'],
      ['watch', 'false'],
      ['multi', 'a'],
      ['multi', 'b'],
    ]);
    expect(req.headers['authorization']).toBe('Bearer secret-token');
    expect(req.headers['user-agent']).toBe('unit-test/1');
    expect(req.headers['accept']).toBe('application/json');
    expect(req.headers['content-type']).toBe('application/json');
    expect(Number(req.headers['content-length'])).toBe(Buffer.byteLength(req.body));
  });

  it('sends no Authorization without a token and a default User-Agent', async () => {
    const plain = new HttpTransport({ server: srv.url });
    try {
      await plain.request({ method: 'GET', path: '/version' });
      expect(srv.requests[0]!.headers['authorization']).toBeUndefined();
      expect(srv.requests[0]!.headers['user-agent']).toMatch(/^mk8s-client\//);
    } finally {
      plain.close();
    }
  });

  it('keeps a path prefix of the server URL and passes custom content types and string bodies as they are', async () => {
    const prefixed = new HttpTransport({ server: `${srv.url}/prefix/` });
    try {
      await prefixed.request({ method: 'PATCH', path: '/api/v1/nodes/n1', body: '[{"op":"add"}]', contentType: 'application/json-patch+json' });
      const req = srv.requests[0]!;
      expect(req.path).toBe('/prefix/api/v1/nodes/n1');
      expect(req.headers['content-type']).toBe('application/json-patch+json');
      expect(req.body).toBe('[{"op":"add"}]');
    } finally {
      prefixed.close();
    }
  });

  it('resolves undefined for an empty 2xx body', async () => {
    srv.handle((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    await expect(t.request({ method: 'DELETE', path: '/x' })).resolves.toBeUndefined();
  });

  it('turns Status replies into ApiError with the right predicates', async () => {
    const cases: Array<[number, string, (e: unknown) => boolean]> = [
      [404, 'NotFound', isNotFound],
      [409, 'Conflict', isConflict],
      [409, 'AlreadyExists', isAlreadyExists],
      [410, 'Expired', isGone],
      [422, 'Invalid', isInvalid],
    ];
    for (const [code, reason, pred] of cases) {
      srv.handle((_req, res) => sendJson(res, code, status(code, reason, `message for ${reason}`)));
      const err = await t.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(code);
      expect((err as ApiError).reason).toBe(reason);
      expect((err as ApiError).message).toBe(`message for ${reason}`);
      expect(pred(err)).toBe(true);
    }
    // AlreadyExists is not a Conflict to retry on.
    srv.handle((_req, res) => sendJson(res, 409, status(409, 'AlreadyExists')));
    expect(isConflict(await t.request({ method: 'POST', path: '/x' }).catch((e: unknown) => e))).toBe(false);
  });

  it('makes an ApiError from the HTTP code when the body is not a Status', async () => {
    srv.handle((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('bad gateway from a proxy');
    });
    const err = (await t.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(502);
    expect(err.message).toContain('bad gateway from a proxy');
    expect(isRetryable(err)).toBe(true);
  });

  it('rejects a 2xx reply that is not JSON with a TransportError', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>');
    });
    const err = await t.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toContain('not JSON');
  });

  it('rethrows connection errors as TransportError keeping the cause', async () => {
    const port = await freePort();
    const dead = new HttpTransport({ server: `http://127.0.0.1:${port}` });
    try {
      const err = (await dead.request({ method: 'GET', path: '/api/v1/pods' }).catch((e: unknown) => e)) as TransportError;
      expect(err).toBeInstanceOf(TransportError);
      expect(err.code).toBe('ECONNREFUSED');
      expect(err.message).toContain(`GET http://127.0.0.1:${port}/api/v1/pods`);
      expect(err.cause).toBeInstanceOf(Error);
      expect(isRetryable(err)).toBe(true);
    } finally {
      dead.close();
    }
  });

  it('rejects with the signal reason when aborted while waiting for the answer', async () => {
    let arrived!: () => void;
    const seen = new Promise<void>((r) => (arrived = r));
    srv.handle(() => arrived()); // never answers
    const ac = new AbortController();
    const p = t.request({ method: 'GET', path: '/slow', signal: ac.signal });
    await seen;
    ac.abort(new Error('stop now'));
    await expect(p).rejects.toThrow('stop now');
  });

  it('rejects at once for an already aborted signal without sending', async () => {
    const ac = new AbortController();
    ac.abort(new Error('too late'));
    await expect(t.request({ method: 'GET', path: '/x', signal: ac.signal })).rejects.toThrow('too late');
    expect(srv.requests).toHaveLength(0);
  });

  it('times out a request that gets no complete answer within timeoutMs', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"partial":'); // and never more
    });
    const err = (await t.request({ method: 'GET', path: '/x', timeoutMs: 50 }).catch((e: unknown) => e)) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('ETIMEDOUT');
  });

  it('reports a reply cut off midway as a TransportError', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"a":');
      setImmediate(() => res.destroy());
    });
    const err = await t.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
  });

  it('carries bodies up to the server limit (3 MiB) both ways', async () => {
    srv.handle((req, res) => sendJson(res, 200, req.json));
    const big = { metadata: { annotations: { big: 'x'.repeat(3 * 1024 * 1024 - 100) } } };
    const out = await t.request<typeof big>({ method: 'PUT', path: '/x', body: big });
    expect(out.metadata.annotations.big.length).toBe(big.metadata.annotations.big.length);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    for (let i = 0; i < 5; i++) await t.request({ method: 'GET', path: `/x${i}` });
    expect(srv.requests).toHaveLength(5);
    expect(srv.connections).toBe(1);
  });

  it('sends an idempotent request again on a fresh connection when a kept-alive socket turns out dead, but not a POST', async () => {
    // The server hangs up the second request on each connection without answering: what a
    // keep-alive socket closed by the server while idle looks like to the next request.
    const perSocket = new WeakMap<object, number>();
    const raw = http.createServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      req.resume();
      req.on('end', () => {
        if (n >= 2) return void req.socket.destroy();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(`{"n":${n}}`);
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const tr = new HttpTransport({ server: `http://127.0.0.1:${(raw.address() as AddressInfo).port}` });
    try {
      expect(await tr.request({ method: 'GET', path: '/a' })).toEqual({ n: 1 });
      expect(await tr.request({ method: 'GET', path: '/b' })).toEqual({ n: 1 });
      expect(await tr.request({ method: 'PUT', path: '/c', body: {} })).toEqual({ n: 1 });
      const err = (await tr.request({ method: 'POST', path: '/d', body: {} }).catch((e: unknown) => e)) as TransportError;
      expect(err).toBeInstanceOf(TransportError);
      expect(err.code).toBe('ECONNRESET');
    } finally {
      tr.close();
      raw.closeAllConnections();
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });

  it('takes one rate-limiter token per request', async () => {
    let taken = 0;
    const limiter: RateLimiter = { acquire: async () => void taken++, tryAcquire: () => true };
    const limited = new HttpTransport({ server: srv.url }, { rateLimiter: limiter });
    try {
      await limited.request({ method: 'GET', path: '/a' });
      await limited.request({ method: 'GET', path: '/b' });
      expect(taken).toBe(2);
    } finally {
      limited.close();
    }
  });

  it('refuses server URLs that are not http(s)', () => {
    expect(() => new HttpTransport({ server: 'ftp://host' })).toThrow(/http: or https:/);
    expect(() => new HttpTransport({ server: 'not a url' })).toThrow(/invalid server URL/);
  });
});

describe('HttpTransport.stream', () => {
  it('resolves with the response for 2xx and throws ApiError for a Status reply', async () => {
    srv.handle((req, res) => {
      if (req.path === '/bad') return sendJson(res, 403, status(403, 'Forbidden', 'no watching'));
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('line1\nline2\n');
    });
    const res = await t.stream({ method: 'GET', path: '/ok' });
    let text = '';
    for await (const c of res) text += String(c);
    expect(text).toBe('line1\nline2\n');
    const err = (await t.stream({ method: 'GET', path: '/bad' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(403);
    expect(err.message).toBe('no watching');
  });

  it('destroys the response when the signal aborts after it started', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write('first\n');
      res.on('close', () => closed());
    });
    const ac = new AbortController();
    const res = await t.stream({ method: 'GET', path: '/follow', signal: ac.signal });
    const chunks: string[] = [];
    const reading = (async () => {
      try {
        for await (const c of res) {
          chunks.push(String(c));
          ac.abort();
        }
      } catch {
        // premature close is how a destroyed stream ends
      }
    })();
    await reading;
    await serverSawClose;
    expect(chunks).toEqual(['first\n']);
    expect(res.destroyed).toBe(true);
  });
});

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
