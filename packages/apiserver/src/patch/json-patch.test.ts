import { describe, expect, it } from 'vitest';
import { PatchError, UNPROCESSABLE_PATCH_MESSAGE } from './errors.js';
import { applyJsonPatch } from './json-patch.js';

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'busybox:1.1' }] },
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

describe('applyJsonPatch', () => {
  it('applies add, replace, remove, copy, move and test in order', () => {
    const result = applyJsonPatch(pod(), [
      { op: 'test', path: '/metadata/labels/app', value: 'web' },
      { op: 'replace', path: '/spec/containers/0/image', value: 'busybox:1.2' },
      { op: 'add', path: '/metadata/labels/tier', value: 'frontend' },
      { op: 'add', path: '/spec/containers/-', value: { name: 'sidecar', image: 'busybox' } },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
      { op: 'move', from: '/metadata/labels/copied', path: '/metadata/labels/moved' },
      { op: 'remove', path: '/metadata/labels/app' },
    ]);
    expect(result).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { tier: 'frontend', moved: 'web' } },
      spec: {
        containers: [
          { name: 'web', image: 'busybox:1.2' },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    });
  });

  it('escapes "/" in keys as ~1, as kubectl label --type=json users write it', () => {
    const result = applyJsonPatch(pod(), [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' }]);
    expect(result).toMatchObject({ metadata: { labels: { 'app.kubernetes.io/name': 'web' } } });
  });

  it('does not modify the document and shares nothing with it', () => {
    const doc = pod();
    const before = structuredClone(doc);
    const result = applyJsonPatch(doc, [{ op: 'replace', path: '/spec/containers/0/image', value: 'x' }]) as ReturnType<typeof pod>;
    expect(doc).toEqual(before);
    result.metadata.labels.app = 'changed';
    expect(doc.metadata.labels.app).toBe('web');
  });

  it('answers a failed test operation with 422 Invalid and the generic Kubernetes message', () => {
    const err = thrown(() => applyJsonPatch(pod(), [{ op: 'test', path: '/metadata/name', value: 'other' }]));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe(UNPROCESSABLE_PATCH_MESSAGE);
    expect(err.detail).toMatch(/TEST_OPERATION_FAILED/);
  });

  it('answers a path that does not exist with 422', () => {
    for (const op of [
      { op: 'replace', path: '/spec/nodeName', value: 'n1' },
      { op: 'remove', path: '/metadata/annotations' },
      { op: 'add', path: '/status/phase', value: 'Running' },
      { op: 'add', path: '/spec/containers/5', value: {} },
    ]) {
      const err = thrown(() => applyJsonPatch(pod(), [op]));
      expect(err.code).toBe(422);
    }
  });

  it('answers an unknown op or a missing value with 422, as the apply step does in Kubernetes', () => {
    expect(thrown(() => applyJsonPatch(pod(), [{ op: 'frobnicate', path: '/a' }])).code).toBe(422);
    expect(thrown(() => applyJsonPatch(pod(), [{ op: 'add', path: '/a' }])).code).toBe(422);
  });

  it('refuses to touch __proto__', () => {
    const err = thrown(() => applyJsonPatch({}, [{ op: 'add', path: '/__proto__/polluted', value: true }]));
    expect(err.code).toBe(422);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('resolves paths on own members only: inherited Object.prototype names do not exist', () => {
    // Before, fast-json-patch found these through the prototype: remove/replace "succeeded",
    // copy copied the Object function (serialised as nothing), test compared against it.
    for (const op of [
      { op: 'remove', path: '/metadata/labels/constructor' },
      { op: 'replace', path: '/metadata/labels/toString', value: 'x' },
      { op: 'test', path: '/metadata/labels/hasOwnProperty', value: null },
      { op: 'copy', from: '/metadata/labels/constructor', path: '/metadata/labels/copied' },
      { op: 'move', from: '/metadata/valueOf', path: '/metadata/labels/moved' },
      { op: 'add', path: '/metadata/constructor/name', value: 'x' },
    ]) {
      const err = thrown(() => applyJsonPatch(pod(), [op]));
      expect(err.code).toBe(422);
      expect(err.detail).toMatch(/UNRESOLVABLE/);
    }
  });

  it('adds, replaces and removes own keys named like Object.prototype members, and keeps __proto__ data keys', () => {
    const doc = JSON.parse('{"data":{"__proto__":"x","constructor":"y"}}') as Record<string, unknown>;
    const result = applyJsonPatch(doc, [
      { op: 'add', path: '/data/prototype', value: 'p' },
      { op: 'replace', path: '/data/constructor', value: 'z' },
      { op: 'add', path: '/data/toString', value: 't' },
      { op: 'remove', path: '/data/toString' },
      { op: 'test', path: '/data/constructor', value: 'z' },
    ]);
    expect(JSON.stringify(result)).toBe('{"data":{"__proto__":"x","constructor":"z","prototype":"p"}}');
  });

  it('answers a patch that is not a list of operations with 400 BadRequest', () => {
    for (const bad of [
      { op: 'add', path: '/a', value: 1 },
      'add',
      null,
      [1],
      [{ op: 'add' }],
      [{ op: 1, path: '/a' }],
      [{ op: 'move', path: '/a', from: 3 }],
    ]) {
      const err = thrown(() => applyJsonPatch(pod(), bad));
      expect(err.code).toBe(400);
      expect(err.reason).toBe('BadRequest');
    }
  });

  it('may replace the whole document (index.ts rejects a non-object result)', () => {
    expect(applyJsonPatch(pod(), [{ op: 'replace', path: '', value: 5 }])).toBe(5);
  });

  it('refuses to move a value into itself (no cycle is ever built)', () => {
    for (const from of ['', '/metadata']) {
      const err = thrown(() => applyJsonPatch(pod(), [{ op: 'move', path: '/metadata/uid', from }]));
      expect(err.code).toBe(422);
    }
    expect(JSON.stringify(applyJsonPatch(pod(), [{ op: 'copy', path: '/metadata/copy', from: '' }]))).toContain('"copy"');
  });

  it('applies an empty patch as a copy', () => {
    expect(applyJsonPatch(pod(), [])).toEqual(pod());
  });
});
