/**
 * Regression tests for the defect classes a fuzz campaign found in the API
 * server: one `describe` per class, each test failing before its fix. Paths
 * that a client library would normalize go over a raw socket.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, rawRequest, startServer, type TestServer } from './testing/test-support.js';

let s: TestServer;
let ns: string;
let seq = 0;

beforeAll(async () => {
  s = await startServer({ requestReadTimeoutMs: 1_000 });
});
afterAll(async () => {
  await s?.close();
});
beforeEach(async () => {
  ns = `t${++seq}`;
  expect((await call(s.url, 'POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  expect((await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'a' }, data: { k: 'v' } })).status).toBe(201);
});

const raw = (method: string, path: string, extra = '') =>
  rawRequest(s.url, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`);
const statusOf = (body: string) => JSON.parse(body) as { kind: string; code: number; reason: string; message: string };

async function namespaceAlive(name: string): Promise<void> {
  const r = await call(s.url, 'GET', `/api/v1/namespaces/${name}`);
  expect(r.status).toBe(200);
  expect((r.body['metadata'] as Record<string, unknown>)['deletionTimestamp']).toBeUndefined();
}

describe('dot segments are names, never a walk up the path', () => {
  for (const seg of ['..', '%2e%2e', '%2E%2e', '.', '%2e']) {
    it(`DELETE .../configmaps/${seg} is a 400 and deletes nothing`, async () => {
      const r = await raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/${seg}`);
      expect(r.status).toBe(400);
      const st = statusOf(r.body);
      expect(st).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
      expect(st.message).toMatch(/^Name parameter invalid: "\.\.?": may not be '\.\.?'$/);
      await namespaceAlive(ns);
    });
  }

  it('DELETE .../configmaps/a/%2e%2e is an unknown subresource (404) and every ConfigMap stays', async () => {
    const r = await raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/a/%2e%2e`);
    expect(r.status).toBe(404);
    expect(statusOf(r.body).kind).toBe('Status');
    expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps/a`)).status).toBe(200);
  });

  it('a name that decodes to contain / or % is refused', async () => {
    expect((await raw('GET', `/api/v1/namespaces/${ns}/configmaps/a%2fb`)).status).toBe(400);
    const r = await raw('GET', `/api/v1/namespaces/${ns}/configmaps/a%25b`);
    expect(statusOf(r.body).message).toContain("may not contain '%'");
  });

  it('an empty segment matches no route', async () => {
    const r = await raw('GET', `/api/v1/namespaces//configmaps`);
    expect(r.status).toBe(404);
    expect(statusOf(r.body).kind).toBe('Status');
  });

  it('GET namespaces/.. is a 400, not the namespace list', async () => {
    expect((await raw('GET', '/api/v1/namespaces/%2e%2e')).status).toBe(400);
  });
});

describe('namespaces cannot be removed wholesale', () => {
  it('DELETE of the namespaces collection is 405 and leaves every namespace Active', async () => {
    for (const path of ['/api/v1/namespaces', '/api/v1/namespaces/']) {
      const r = await raw('DELETE', path);
      expect(r.status).toBe(405);
      expect(statusOf(r.body).reason).toBe('MethodNotAllowed');
    }
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ns]) await namespaceAlive(name);
  });

  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    it(`${name} may not be deleted`, async () => {
      const r = await call(s.url, 'DELETE', `/api/v1/namespaces/${name}`);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: `namespaces "${name}" is forbidden: this namespace may not be deleted` });
      await namespaceAlive(name);
    });
  }

  it('the /watch/ prefix answers 405 to anything but GET', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await call(s.url, method, `/api/v1/watch/namespaces/${ns}/configmaps${method === 'POST' ? '' : '/a'}`, { metadata: { name: 'a' } });
      expect(r.status, method).toBe(405);
      expect(r.body['kind']).toBe('Status');
    }
    expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps/a`)).status).toBe(200);
  });

  it('a PUT or patch cannot drop spec.finalizers: only /finalize changes them', async () => {
    const current = (await call(s.url, 'GET', `/api/v1/namespaces/${ns}`)).body;
    const put = await call(s.url, 'PUT', `/api/v1/namespaces/${ns}`, { ...current, spec: { finalizers: [] } });
    expect(put.status).toBe(200);
    expect(put.body['spec']).toEqual({ finalizers: ['kubernetes'] });
    const patched = await call(s.url, 'PATCH', `/api/v1/namespaces/${ns}`, { spec: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
    expect(patched.body['spec']).toEqual({ finalizers: ['kubernetes'] });
    // Deleting leaves it Terminating (its finalizer holds it) with its content intact.
    expect((await call(s.url, 'DELETE', `/api/v1/namespaces/${ns}`)).status).toBe(200);
    const after = await call(s.url, 'PUT', `/api/v1/namespaces/${ns}`, {
      ...current,
      metadata: { ...(current['metadata'] as object), resourceVersion: undefined },
      spec: {},
    });
    expect(after.status).toBe(200);
    expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}`)).status).toBe(200);
    expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps/a`)).status).toBe(200);
    const fin = await call(s.url, 'PUT', `/api/v1/namespaces/${ns}/finalize`, { ...current, spec: { finalizers: [] } });
    expect(fin.status).toBe(200);
  });
});

describe('a failure after commit is never reported as a failure', () => {
  it('an unknown field with a non-Latin-1 name is stored once and warned about in escaped ASCII', async () => {
    const r = await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'u' }, ключ: 1, 'a"b\\c\u0001': 2 });
    expect(r.status).toBe(201);
    const warning = String(r.headers['warning']);
    expect(warning).toContain('299 - "unknown field \\"\\u043a\\u043b\\u044e\\u0447\\""');
    expect(warning).toContain('299 - "unknown field \\"a\\"b\\\\c\\x01\\""');
    expect((await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'u' } })).status).toBe(409);
  });

  it('warnings are capped at 4 KiB with a last "and N more"', async () => {
    const body: Record<string, unknown> = { metadata: { name: 'many' } };
    for (let i = 0; i < 100; i++) body[`field${i}-${'x'.repeat(100)}`] = i;
    const r = await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps`, body);
    expect(r.status).toBe(201);
    const values = String(r.headers['warning']).split(/, (?=299 )/);
    expect(values.length).toBeLessThan(100);
    expect(values[values.length - 1]).toMatch(/^299 - "and \d+ more warnings"$/);
    expect(values.join('').length).toBeLessThan(4096 + 100 * 20);
  });
});

describe('nesting depth is bounded before any recursive code runs', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  it('a create nested 6,000 levels deep is a 400', async () => {
    const r = await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps`, undefined, { raw: `{"metadata":{"name":"d"},"data":${deep(6000)}}` });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(String(r.body['message'])).toContain('nested deeper than 200 levels');
  });

  for (const contentType of ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json']) {
    it(`a ${contentType} nested 3,000 levels deep is a 400`, async () => {
      const patch = contentType === 'application/json-patch+json' ? `[{"op":"add","path":"/data/x","value":${deep(3000)}}]` : `{"data":{"x":${deep(3000)}}}`;
      const r = await call(s.url, 'PATCH', `/api/v1/namespaces/${ns}/configmaps/a`, undefined, { raw: patch, contentType });
      expect(r.status).toBe(400);
      expect(r.body['kind']).toBe('Status');
    });
  }

  it('brackets inside strings do not count', async () => {
    const r = await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'brackets' }, data: { k: '['.repeat(5000) } });
    expect(r.status).toBe(201);
  });
});

describe('continue tokens', () => {
  const token = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  for (const [label, value] of [
    ['null', null],
    ['a number', 5],
    ['an array', []],
    ['a fractional revision', { v: 'meta.k8s.io/v1', rv: 1.5, start: `/registry/configmaps/x/` }],
  ] as const) {
    it(`one that decodes to ${label} is a 400`, async () => {
      const r = await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?limit=1&continue=${token(value)}`);
      expect(r.status).toBe(400);
      expect(r.body['kind']).toBe('Status');
    });
  }

  it('one at a future revision is a 400', async () => {
    const r = await call(
      s.url,
      'GET',
      `/api/v1/namespaces/${ns}/configmaps?limit=1&continue=${token({ v: 'meta.k8s.io/v1', rv: 1e9, start: `/registry/configmaps/${ns}/a` })}`,
    );
    expect(r.status).toBe(400);
    expect(String(r.body['message'])).toContain('continue key is not valid');
  });
});

describe('NUL in names', () => {
  it('GET, PUT and DELETE of a name with a NUL are 404s', async () => {
    for (const method of ['GET', 'DELETE']) expect((await raw(method, `/api/v1/namespaces/${ns}/configmaps/a%00b`)).status, method).toBe(404);
    const put = await call(s.url, 'PUT', `/api/v1/namespaces/${ns}/configmaps/a%00b`, { metadata: { name: 'a\u0000b' } });
    expect(put.status).toBe(404);
  });

  it('lists in a namespace with a NUL are empty', async () => {
    const r = await raw('GET', `/api/v1/namespaces/a%00b/configmaps`);
    expect(r.status).toBe(200);
  });
});

describe('slow request bodies', () => {
  it('a body that never completes gets a 408 Status and the connection is closed', async () => {
    const r = await rawRequest(
      s.url,
      `POST /api/v1/namespaces/${ns}/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"metadata"`,
      15_000,
    );
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(408);
    expect(statusOf(r.body)).toMatchObject({ kind: 'Status', code: 408 });
  });

  it('a watch outlives the read timeout', async () => {
    const r = await rawRequest(s.url, `GET /api/v1/namespaces/${ns}/configmaps?watch=true HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 2_500);
    expect(r.timedOut).toBe(true);
    expect(r.status).toBe(200);
    expect(r.body).toContain('"ADDED"');
  });
});

describe('errors below the routes are Status bodies', () => {
  it('a malformed % escape', async () => {
    const r = await raw('GET', `/api/v1/namespaces/${ns}/configmaps/%zz`);
    expect(r.status).toBe(400);
    expect(statusOf(r.body)).toMatchObject({ kind: 'Status', code: 400, message: 'invalid URL escape "%zz"' });
  });

  it('a malformed Content-Length', async () => {
    const r = await rawRequest(s.url, 'GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(r.status).toBe(400);
    expect(statusOf(r.body)).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
  });

  it('headers that are too large (past 1 MiB, as Kubernetes)', async () => {
    const r = await rawRequest(s.url, `GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1_100_000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expect(statusOf(r.body)).toMatchObject({ kind: 'Status', code: 431 });
  });

  it('an unsupported Expect', async () => {
    const r = await raw('GET', '/api/v1/namespaces', 'Expect: something\r\n');
    expect(r.status).toBe(417);
    expect(statusOf(r.body)).toMatchObject({ kind: 'Status', code: 417 });
  });

  it('an oversized body announced with Expect: 100-continue gets the 413 at once, never "100 Continue"', async () => {
    // curl does this above 1 MiB; a 100 first would have it sending while the 413 closes the connection.
    const r = await rawRequest(
      s.url,
      `POST /api/v1/namespaces/${ns}/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${4 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(r.timedOut).toBe(false);
    expect(r.head).not.toContain('100 Continue');
    expect(r.status).toBe(413);
    expect(statusOf(r.body)).toMatchObject({ kind: 'Status', code: 413, reason: 'RequestEntityTooLarge' });
  });

  it('a body within the limit announced with Expect: 100-continue gets "100 Continue", then is served', async () => {
    const body = JSON.stringify({ metadata: { name: 'expect-continue' }, data: { k: 'v' } });
    const r = await rawRequest(
      s.url,
      `POST /api/v1/namespaces/${ns}/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n${body}`,
    );
    expect(r.status).toBe(100);
    expect(r.body).toMatch(/^HTTP\/1\.1 201 /);
  });

  it('an oversized body', async () => {
    const r = await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'big' }, data: { k: 'x'.repeat(4 * 1024 * 1024) } });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ kind: 'Status', code: 413 });
  });
});

describe('query parameters are parsed as Kubernetes parses them', () => {
  for (const value of ['0x10', '1e3', '', ' 5', '5.0', '99999999999999999999']) {
    it(`limit=${JSON.stringify(value)} is a 400`, async () => {
      const r = await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?limit=${encodeURIComponent(value)}`);
      expect(r.status).toBe(400);
      expect(String(r.body['message'])).toMatch(/^strconv\.ParseInt: parsing ".*": (invalid syntax|value out of range)$/);
    });
  }

  it('watch is false only for 0 and false in any case; anything else watches', async () => {
    for (const v of ['false', 'False', 'FALSE', '0']) {
      const r = await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?watch=${v}`);
      expect(r.body['kind'], v).toBe('ConfigMapList');
    }
    for (const v of ['true', 'True', 't', '1', 'garbage']) {
      const r = await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?watch=${v}&timeoutSeconds=1`);
      expect(r.text.split('\n')[0], v).toContain('"type":"ADDED"');
    }
  });

  it('the first of repeated values counts', async () => {
    const r = await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?limit=1&limit=bad`);
    expect(r.status).toBe(200);
  });

  it('a resourceVersion past 2^53 is reported exactly, and one past 2^64 is a 400', async () => {
    const big = await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=9007199254740993`);
    expect(big.status).toBe(504);
    expect(String(big.body['message'])).toMatch(/^Too large resource version: 9007199254740993, current: \d+$/);
    const huge = await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=18446744073709551616`);
    expect(huge.status).toBe(400);
    for (const bad of ['-1', '1e3', '0x10'])
      expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=${bad}`)).status, bad).toBe(400);
  });
});

describe('every stored object stays addressable', () => {
  it('an Event with a 12,000-character name (a 72 KB URL) can be read back', async () => {
    const name = 'я'.repeat(12_000);
    expect((await call(s.url, 'POST', `/api/v1/namespaces/${ns}/events`, { metadata: { name }, involvedObject: { namespace: ns } })).status).toBe(201);
    const r = await call(s.url, 'GET', `/api/v1/namespaces/${ns}/events/${encodeURIComponent(name)}`);
    expect(r.status).toBe(200);
    expect((r.body['metadata'] as Record<string, unknown>)['name']).toBe(name);
  });
});

describe('bodies that do not name the object', () => {
  it('a PUT of {} is a 400 and the object keeps its data', async () => {
    const r = await call(s.url, 'PUT', `/api/v1/namespaces/${ns}/configmaps/a`, {});
    expect(r.status).toBe(400);
    expect(r.body['message']).toBe('the name of the object () does not match the name on the URL (a)');
    expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps/a`)).body['data']).toEqual({ k: 'v' });
  });
});

describe('across all namespaces a namespaced resource is only read', () => {
  for (const [method, path] of [
    ['DELETE', '/api/v1/configmaps'],
    ['DELETE', '/api/v1/services?labelSelector=x%3Dy'],
    ['POST', '/api/v1/pods'],
    ['PATCH', '/apis/autoscaling/v1/horizontalpodautoscalers'],
    ['DELETE', '/apis/autoscaling/v2/horizontalpodautoscalers'],
  ] as const) {
    it(`${method} ${path} is 405 and deletes nothing`, async () => {
      const r = await call(s.url, method, path, method === 'DELETE' ? undefined : {}, {
        contentType: method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
      });
      expect(r.status).toBe(405);
      expect(r.body['kind']).toBe('Status');
      expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps/a`)).status).toBe(200);
    });
  }
  it('a namespaced autoscaling/v1 collection takes no PUT or PATCH', async () => {
    for (const method of ['PUT', 'PATCH']) {
      const r = await call(
        s.url,
        method,
        `/apis/autoscaling/v1/namespaces/${ns}/horizontalpodautoscalers`,
        {},
        { contentType: 'application/merge-patch+json' },
      );
      expect(r.status, method).toBe(405);
    }
  });

  it('lists across all namespaces still work', async () => {
    expect((await call(s.url, 'GET', '/api/v1/configmaps')).status).toBe(200);
  });
});

describe('every handler validates its options', () => {
  const hpa = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }, maxReplicas: 3 },
  };
  it('autoscaling/v1 DELETE refuses malformed delete options', async () => {
    expect((await call(s.url, 'POST', `/apis/autoscaling/v1/namespaces/${ns}/horizontalpodautoscalers`, hpa)).status).toBe(201);
    for (const q of ['gracePeriodSeconds=abc', 'propagationPolicy=background']) {
      expect((await call(s.url, 'DELETE', `/apis/autoscaling/v1/namespaces/${ns}/horizontalpodautoscalers/h?${q}`)).status, q).toBe(400);
    }
    expect((await call(s.url, 'GET', `/apis/autoscaling/v1/namespaces/${ns}/horizontalpodautoscalers/h`)).status).toBe(200);
  });

  it('fieldManager must be printable and at most 128 bytes (422 on the options kind)', async () => {
    const bad = await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps?fieldManager=a%07b`, { metadata: { name: 'fm' } });
    expect(bad.status).toBe(422);
    expect(bad.body['message']).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\u0007b": invalid character U+0007 (at position 1)',
    );
    const long = await call(
      s.url,
      'PATCH',
      `/api/v1/namespaces/${ns}/configmaps/a?fieldManager=${'m'.repeat(129)}`,
      { data: { x: 'y' } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(long.status).toBe(422);
    expect(String(long.body['message'])).toContain('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long');
    expect((await call(s.url, 'POST', `/api/v1/namespaces/${ns}/configmaps?fieldManager=kubectl-client-side-apply`, { metadata: { name: 'fm' } })).status).toBe(
      201,
    );
  });

  it('a list refuses a malformed timeoutSeconds and a watch a malformed limit', async () => {
    expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?timeoutSeconds=1.5`)).status).toBe(400);
    expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?watch=1&limit=1e3`)).status).toBe(400);
    expect((await call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=18446744073709551616`)).status).toBe(400);
  });

  it('resourceVersionMatch is checked as Kubernetes checks it', async () => {
    const list = (q: string) => call(s.url, 'GET', `/api/v1/namespaces/${ns}/configmaps?${q}`);
    const noRv = await list('resourceVersionMatch=NotOlderThan');
    expect(noRv.status).toBe(422);
    expect(noRv.body['message']).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    expect((await list('resourceVersion=1&resourceVersionMatch=exact')).status).toBe(422);
    expect((await list('resourceVersion=0&resourceVersionMatch=Exact')).status).toBe(422);
    expect((await list('resourceVersion=1&resourceVersionMatch=NotOlderThan')).status).toBe(200);
    expect((await list('watch=1&resourceVersionMatch=NotOlderThan')).status).toBe(422);
    const initial = await list('watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
    expect(initial.status).toBe(422);
    expect(String(initial.body['message'])).toContain('sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled');
  });
});
