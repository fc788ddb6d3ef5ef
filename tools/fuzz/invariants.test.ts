// The response oracles on hand-made outcomes: what counts as a finding and what does not.
import { describe, expect, it } from 'vitest';
import type { FuzzRequest } from './fuzz-request.js';
import { checkMemory, checkResponse, findingClass, k8sRefusedPath } from './invariants.js';
import type { Outcome } from './raw-http.js';

const req = (over: Partial<FuzzRequest> = {}): FuzzRequest => ({
  klass: 'test',
  method: 'GET',
  target: '/api/v1/namespaces/fz/configmaps',
  shape: '/api/v1/namespaces/{ns}/configmaps',
  headers: [],
  ...over,
});
const res = (status: number, body: unknown, streamed = false): Outcome => ({
  kind: 'response',
  ms: 1,
  res: { status, reason: '', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), streamed },
});
const status = (code: number, reason = 'BadRequest', message = 'm') => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

describe('k8sRefusedPath', () => {
  it('refuses dot names, % in names and malformed escapes, as Kubernetes does', () => {
    expect(k8sRefusedPath('/api/v1/namespaces/fz/configmaps/..')).toMatch(/name/);
    expect(k8sRefusedPath('/api/v1/namespaces/fz/configmaps/%2e%2e')).toMatch(/name/);
    expect(k8sRefusedPath('/api/v1/namespaces/fz/configmaps/%252e')).toMatch(/name/);
    expect(k8sRefusedPath('/api/v1/namespaces/fz/configmaps/a%zz')).toMatch(/escape/);
    expect(k8sRefusedPath('/api/v1/namespaces/..')).toMatch(/name/);
    expect(k8sRefusedPath('/api/v1/namespaces/fz/..')).toMatch(/resource/);
    expect(k8sRefusedPath('/api/v1/namespaces/fz/configmaps/keep/%2e')).toMatch(/subresource/);
  });

  it('does not judge a dot namespace, ordinary names or non-API paths', () => {
    expect(k8sRefusedPath('/api/v1/namespaces/%2e%2e/configmaps')).toBeUndefined();
    expect(k8sRefusedPath('/apis/apps/v1/namespaces/fz/deployments/fz-a/scale')).toBeUndefined();
    expect(k8sRefusedPath('/api/v1/namespaces/fz/configmaps/%D0%BA')).toBeUndefined();
    expect(k8sRefusedPath('/healthz/..')).toBeUndefined();
  });
});

describe('checkResponse', () => {
  it('reports a 5xx but not the 504 Kubernetes itself answers for a future resourceVersion', () => {
    expect(checkResponse(req(), res(500, status(500, 'InternalError')))).toMatchObject([{ invariant: 'server-error', status: 500 }]);
    expect(checkResponse(req(), res(504, status(504, 'Timeout', 'Too large resource version: 99, current: 5')))).toEqual([]);
  });

  it('wants every JSON error body to be a Status with the same code', () => {
    expect(checkResponse(req(), res(404, status(404, 'NotFound')))).toEqual([]);
    expect(checkResponse(req(), res(404, status(400)))[0]?.invariant).toBe('status-body');
    expect(checkResponse(req(), res(400, { error: 'Bad Request' }))[0]?.invariant).toBe('status-body');
    expect(checkResponse(req({ method: 'HEAD' }), res(404, ''))).toEqual([]);
  });

  it('flags 2xx answers to requests Kubernetes refuses, and lists served for watch=<truthy>', () => {
    expect(checkResponse(req({ expectReject: 'x' }), res(200, {}))[0]?.invariant).toBe('k8s-rejects');
    expect(checkResponse(req({ expectReject: 'x' }), res(400, status(400)))).toEqual([]);
    expect(checkResponse(req({ expectWatch: 'w' }), res(200, { kind: 'ConfigMapList', items: [] }))[0]?.invariant).toBe('k8s-watch');
    expect(checkResponse(req({ expectWatch: 'w' }), res(200, '', true))).toEqual([]);
  });

  it('reports hangs, and connections dropped without an answer unless the request was malformed', () => {
    expect(checkResponse(req(), { kind: 'hang', ms: 5000, detail: 'd' })[0]?.invariant).toBe('hang');
    expect(checkResponse(req(), { kind: 'closed', ms: 1, detail: 'd' })[0]?.invariant).toBe('no-response');
    expect(checkResponse(req({ malformed: true }), { kind: 'closed', ms: 1, detail: 'd' })).toEqual([]);
  });
});

describe('findingClass', () => {
  it('merges findings that differ only in names, numbers and, for semantic checks, the resource', () => {
    const a = {
      invariant: 'k8s-rejects',
      status: 200,
      message: 'answered 200; Kubernetes refuses limit="abc" (400/422)',
      request: req({ shape: '/api/v1/namespaces/{ns}/pods?limit', expectReject: 'x' }),
    };
    const b = {
      ...a,
      message: 'answered 200; Kubernetes refuses limit="1.5" (400/422)',
      request: req({ shape: '/apis/apps/v1/namespaces/{ns}/deployments?limit&watch', expectReject: 'x' }),
    };
    expect(findingClass(a)).toBe(findingClass(b));
  });
});

describe('checkMemory', () => {
  it('flags the cap and a steady climb, not a flat series', () => {
    const MiB = 1024 * 1024;
    expect(checkMemory(Array(16).fill(200 * MiB), 1024 * MiB).findings).toEqual([]);
    expect(checkMemory([...Array(15).fill(200 * MiB), 2048 * MiB], 1024 * MiB).findings).toHaveLength(1);
    expect(
      checkMemory(
        Array.from({ length: 16 }, (_, i) => (100 + i * 60) * MiB),
        4096 * MiB,
      ).findings[0]?.message,
    ).toMatch(/keeps growing/);
  });
});
