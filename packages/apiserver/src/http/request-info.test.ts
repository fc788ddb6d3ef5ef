import { describe, expect, it } from 'vitest';
import { StatusError } from '../errors.js';
import { parseRequestInfo } from './request-info.js';

const parse = (method: string, path: string, query: Record<string, unknown> = {}) => parseRequestInfo(method, path, query);
const refusal = (fn: () => unknown): { code: number; message: string } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a StatusError');
};

describe('parseRequestInfo', () => {
  it('parses namespaced, cluster-scoped, group and subresource paths', () => {
    expect(parse('GET', '/api/v1/namespaces/ns/pods/web/log')).toEqual({
      discovery: false,
      group: '',
      version: 'v1',
      namespace: 'ns',
      resource: 'pods',
      name: 'web',
      subresource: 'log',
      verb: 'get',
    });
    expect(parse('DELETE', '/apis/apps/v1/namespaces/ns/deployments')).toMatchObject({ group: 'apps', resource: 'deployments', verb: 'deletecollection' });
    expect(parse('PUT', '/api/v1/namespaces/ns/finalize')).toMatchObject({ resource: 'namespaces', name: 'ns', subresource: 'finalize', verb: 'update' });
    expect(parse('GET', '/apis/apps')).toEqual({ discovery: true, group: 'apps', version: '', verb: 'get' });
  });

  it('decodes each segment after splitting, and never resolves dot segments', () => {
    expect(parse('GET', '/api/v1/namespaces/ns/configmaps/a/%2e%2e')).toMatchObject({ name: 'a', subresource: '..' });
    expect(parse('GET', '/api/v1/namespaces/ns/configmaps/caf%C3%A9')).toMatchObject({ name: 'café' });
    expect(parse('GET', '/api/v1/namespaces/ns/configmaps/%ff')).toMatchObject({ name: '\ufffd' });
  });

  it('refuses names that cannot be a path segment', () => {
    for (const [path, why] of [
      ['/api/v1/namespaces/ns/configmaps/..', "may not be '..'"],
      ['/api/v1/namespaces/ns/configmaps/%2E', "may not be '.'"],
      ['/api/v1/namespaces/%2e%2e', "may not be '..'"],
      ['/api/v1/namespaces/ns/configmaps/a%2Fb', "may not contain '/'"],
      ['/api/v1/namespaces/ns/configmaps/a%25b', "may not contain '%'"],
    ] as const) {
      const r = refusal(() => parse('DELETE', path));
      expect(r.code, path).toBe(400);
      expect(r.message, path).toContain(why);
    }
  });

  it('answers malformed escapes with Go-like 400s and odd shapes with no route', () => {
    expect(refusal(() => parse('GET', '/api/v1/namespaces/ns/configmaps/%zz'))).toEqual({ code: 400, message: 'invalid URL escape "%zz"' });
    expect(refusal(() => parse('GET', '/api/v1/namespaces/ns/configmaps/a%4'))).toEqual({ code: 400, message: 'invalid URL escape "%4"' });
    expect(parse('GET', '/api/v1/namespaces//configmaps')).toBeUndefined();
    expect(parse('GET', '/api/v1/watch')).toBeUndefined();
    expect(parse('GET', '/healthz')).toBeUndefined();
  });

  it('reads watch as Kubernetes does: only collections, false only for 0 and false', () => {
    for (const v of ['true', '1', 'garbage', '', 'T']) expect(parse('GET', '/api/v1/pods', { watch: v })?.verb, v).toBe('watch');
    for (const v of ['false', 'FALSE', '0']) expect(parse('GET', '/api/v1/pods', { watch: v })?.verb, v).toBe('list');
    expect(parse('GET', '/api/v1/pods', { watch: ['false', 'true'] })?.verb).toBe('list');
    expect(parse('GET', '/api/v1/namespaces/ns/pods/web', { watch: 'true' })?.verb).toBe('get');
    expect(parse('GET', '/api/v1/watch/namespaces/ns/pods/web')?.verb).toBe('watch');
  });

  it('reads watch with runtime.Convert_Slice_string_To_bool: True, TRUE, t and 1 watch; false, False, FALSE and 0 list', () => {
    for (const v of ['True', 'TRUE', 't', '1', 'yes']) {
      expect(parse('GET', '/api/v1/namespaces/ns/pods', { watch: v })?.verb, v).toBe('watch');
      expect(parse('HEAD', '/apis/apps/v1/deployments', { watch: v })?.verb, v).toBe('watch');
    }
    for (const v of ['false', 'False', 'FALSE', '0']) {
      expect(parse('GET', '/api/v1/namespaces/ns/pods', { watch: v })?.verb, v).toBe('list');
      expect(parse('HEAD', '/apis/apps/v1/deployments', { watch: v })?.verb, v).toBe('list');
    }
    expect(parse('GET', '/api/v1/pods', { watch: ['True', 'false'] })?.verb).toBe('watch');
    expect(parse('GET', '/api/v1/pods')?.verb).toBe('list');
  });

  it('serves the /watch/ prefix to GET only', () => {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(refusal(() => parse(m, '/api/v1/watch/namespaces/ns/pods')).code, m).toBe(405);
  });
});
