// Status bodies byte for byte as Kubernetes writes them: metav1.Status field
// order, Go's omitempty, Go's escaping and json.Encoder's trailing newline.
import { fieldErrors } from '@mk8s/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { encodeStatus, errors, statusBodyHook, StatusError, successStatus, type Status } from './errors.js';

const target = { qualifiedResource: 'deployments.apps', group: 'apps', kind: 'Deployment', name: 'web' };
const hook = (payload: unknown) => statusBodyHook({} as FastifyRequest, {} as FastifyReply, payload);

describe('Status bodies', () => {
  it('builds every Status in metav1.Status field order, details before code', () => {
    expect(JSON.stringify(errors.notFound(target).status)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"web\\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404}',
    );
    expect(JSON.stringify(errors.unavailable('later', 5).status)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"later","reason":"ServiceUnavailable","details":{"retryAfterSeconds":5},"code":503}',
    );
    expect(JSON.stringify(successStatus({ name: 'web', kind: 'pods', uid: 'u-1' }))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"web","kind":"pods","uid":"u-1"},"code":200}',
    );
  });

  it('leaves out what Go leaves out: empty message, reason, name, group, cause fields; keeps metadata, code and a given empty details', () => {
    expect(JSON.stringify(new StatusError(417, '', 'only "Expect: 100-continue" is supported').status)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"only \\"Expect: 100-continue\\" is supported","code":417}',
    );
    expect(JSON.stringify(new StatusError(500, 'InternalError', '').status)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"InternalError","code":500}',
    );
    expect(JSON.stringify(errors.notFoundPath().status)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}',
    );
    const invalid = errors.invalidOptions('ListOptions', [fieldErrors.forbidden('limit', 'no')]);
    expect(JSON.stringify(invalid.status.details)).toBe(
      '{"group":"meta.k8s.io","kind":"ListOptions","causes":[{"reason":"FieldValueForbidden","message":"Forbidden: no","field":"limit"}]}',
    );
    expect(JSON.stringify(errors.badRequest('bad', [{ message: 'm' }, { field: 'f', reason: 'r' }]).status.details)).toBe(
      '{"causes":[{"message":"m"},{"reason":"r","field":"f"}]}',
    );
  });

  it('encodes as Go does: its order whatever the object, <>& and U+2028/9 escaped, a trailing newline', () => {
    const scrambled = {
      code: 409,
      details: { causes: [{ field: 'x', message: 'a<b>&c', reason: 'R' }], kind: 'pods', name: 'p', group: '' },
      reason: 'Conflict',
      message: 'line\u2028sep\u2029 & <tag>',
      status: 'Failure',
      metadata: {},
      apiVersion: 'v1',
      kind: 'Status',
    } as unknown as Status;
    expect(encodeStatus(scrambled)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"line\\u2028sep\\u2029 \\u0026 \\u003ctag\\u003e","reason":"Conflict","details":{"name":"p","kind":"pods","causes":[{"reason":"R","message":"a\\u003cb\\u003e\\u0026c","field":"x"}]},"code":409}\n',
    );
    const err = errors.conflict(target, 'the object has been modified');
    expect(err.body).toBe(`${JSON.stringify(err.status)}\n`);
    expect(JSON.parse(err.body)).toEqual(err.status);
  });

  it('statusBodyHook rewrites Status replies only, once', async () => {
    const err = errors.notFound(target);
    expect(await hook(JSON.stringify(err.status))).toBe(err.body);
    expect(await hook(err.body)).toBe(err.body);
    const pod = '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"<x>"}}';
    expect(await hook(pod)).toBe(pod);
    const buf = Buffer.from(JSON.stringify(err.status));
    expect(await hook(buf)).toBe(buf);
    expect(await hook(undefined)).toBeUndefined();
  });
});
