import { describe, expect, it } from 'vitest';
import { PATCH_CONTENT_TYPES, PatchError, applyPatch } from './index.js';
import type { SchemaNode } from './index.js';

const podSchema: SchemaNode = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        containers: { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
      },
    },
  },
};

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'web', image: 'busybox:1.1' },
      { name: 'side', image: 'busybox' },
    ],
  },
});

function thrown(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PatchError) return err;
    throw err;
  }
  throw new Error('expected a PatchError');
}

describe('applyPatch', () => {
  it('lists the four Kubernetes patch content types', () => {
    expect(PATCH_CONTENT_TYPES).toEqual([
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ]);
  });

  it('dispatches strategic merge patch with the schema (list merged by name)', () => {
    const result = applyPatch('application/strategic-merge-patch+json', pod(), { spec: { containers: [{ name: 'web', image: 'busybox:1.2' }] } }, podSchema);
    expect(result['spec']).toEqual({
      containers: [
        { name: 'web', image: 'busybox:1.2' },
        { name: 'side', image: 'busybox' },
      ],
    });
  });

  it('dispatches merge patch (lists replaced) and ignores content-type parameters', () => {
    const result = applyPatch('Application/Merge-Patch+JSON; charset=utf-8', pod(), { spec: { containers: [{ name: 'web', image: 'x' }] } }, podSchema);
    expect(result['spec']).toEqual({ containers: [{ name: 'web', image: 'x' }] });
  });

  it('dispatches json patch', () => {
    const result = applyPatch('application/json-patch+json', pod(), [{ op: 'replace', path: '/metadata/labels/app', value: 'v2' }], undefined);
    expect(result['metadata']).toEqual({ name: 'web', labels: { app: 'v2' } });
  });

  it('parses a raw string or byte body', () => {
    const fromString = applyPatch('application/merge-patch+json', pod(), '{"metadata":{"labels":null}}', undefined);
    expect(fromString['metadata']).toEqual({ name: 'web' });
    const fromBytes = applyPatch('application/json-patch+json', pod(), Buffer.from('[{"op":"remove","path":"/spec"}]'), undefined);
    expect(fromBytes['spec']).toBeUndefined();
  });

  it('does not modify the current object', () => {
    const doc = pod();
    applyPatch('application/strategic-merge-patch+json', doc, { metadata: { labels: { app: null } } }, podSchema);
    expect(doc).toEqual(pod());
  });

  it('leaves server-side apply to the field manager: a 415 here', () => {
    const err = thrown(() => applyPatch('application/apply-patch+yaml', pod(), 'kind: Pod', undefined));
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toMatch(/server-side apply/);
  });

  it('answers an unknown content type with 415 listing the accepted types', () => {
    for (const type of ['application/json', 'text/plain', '']) {
      const err = thrown(() => applyPatch(type, pod(), {}, undefined));
      expect(err.code).toBe(415);
      expect(err.message).toBe(
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
      );
    }
  });

  it('answers a body that is not JSON with 400', () => {
    const err = thrown(() => applyPatch('application/merge-patch+json', pod(), '{"metadata":', undefined));
    expect(err.code).toBe(400);
    expect(err.message).toMatch(/^error decoding patch/);
  });

  it('answers a merge or strategic patch that is not an object with 400', () => {
    for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      for (const body of [[], 'null', 5]) {
        expect(thrown(() => applyPatch(type, pod(), body, podSchema)).code).toBe(400);
      }
    }
  });

  it('answers a json patch whose result is not an object with 422 Invalid', () => {
    const err = thrown(() => applyPatch('application/json-patch+json', pod(), [{ op: 'replace', path: '', value: [1] }], undefined));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toMatch(/must be a JSON object/);
  });

  it('passes through the errors of the individual patch types', () => {
    expect(thrown(() => applyPatch('application/json-patch+json', pod(), [{ op: 'test', path: '/kind', value: 'Node' }], undefined)).code).toBe(422);
    expect(thrown(() => applyPatch('application/strategic-merge-patch+json', pod(), { metadata: { $patch: 'nope' } }, podSchema)).code).toBe(400);
  });
});
