// Error bodies byte for byte as a Kubernetes API server sends them: a
// metav1.Status in Go struct order, empty fields left out as omitempty does,
// Go's escaping, and the trailing newline of json.Encoder. The expected
// strings are what kube-apiserver answers to the same requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './testing/test-support.js';

const RFC1123 =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('API server: Status bodies as Kubernetes writes them', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  const raw = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(s.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    return { status: res.status, text };
  };

  it('a 404 for a missing object', async () => {
    expect(await raw('GET', '/api/v1/namespaces/default/pods/nope')).toEqual({
      status: 404,
      text: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}\n',
    });
  });

  it('a 404 for a path no resource has: details present and empty', async () => {
    expect(await raw('GET', '/api/v1/nothing')).toEqual({
      status: 404,
      text: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}\n',
    });
  });

  it('a 404 whose name has & in it: escaped as Go escapes it', async () => {
    expect(await raw('GET', '/api/v1/namespaces/default/configmaps/a&b')).toEqual({
      status: 404,
      text: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"a\\u0026b\\" not found","reason":"NotFound","details":{"name":"a\\u0026b","kind":"configmaps"},"code":404}\n',
    });
  });

  it('a 422 for an invalid object: details name, kind, causes (reason, message, field); no empty group', async () => {
    expect(await raw('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad' } })).toEqual({
      status: 422,
      text:
        `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"ConfigMap \\"Bad\\" is invalid: metadata.name: Invalid value: \\"Bad\\": ${RFC1123}",` +
        `"reason":"Invalid","details":{"name":"Bad","kind":"ConfigMap","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \\"Bad\\": ${RFC1123}","field":"metadata.name"}]},"code":422}\n`,
    });
  });

  it('a 422 for invalid ListOptions: no empty name in details', async () => {
    expect(await raw('GET', '/api/v1/pods?resourceVersionMatch=Exact')).toEqual({
      status: 422,
      text:
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"ListOptions.meta.k8s.io \\"\\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",' +
        '"reason":"Invalid","details":{"group":"meta.k8s.io","kind":"ListOptions","causes":[{"reason":"FieldValueForbidden","message":"Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided","field":"resourceVersionMatch"}]},"code":422}\n',
    });
  });
});
