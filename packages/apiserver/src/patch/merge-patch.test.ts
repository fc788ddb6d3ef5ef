import { describe, expect, it } from 'vitest';
import { applyMergePatch } from './merge-patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  // The examples of RFC 7386 appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (doc, patch, expected) => {
    expect(applyMergePatch(doc, patch)).toEqual(expected);
  });

  it('merges a kubectl patch --type=merge into a deployment without touching other fields', () => {
    const deployment = {
      metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } },
      spec: {
        replicas: 1,
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'a' },
              { name: 'side', image: 'b' },
            ],
          },
        },
      },
    };
    const result = applyMergePatch(deployment, {
      metadata: { labels: { tier: null, track: 'stable' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'c' }] } } },
    });
    expect(result).toEqual({
      metadata: { name: 'web', labels: { app: 'web', track: 'stable' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'c' }] } } },
    });
  });

  it('does not modify its inputs and shares no objects with them', () => {
    const doc = { metadata: { labels: { a: '1' } }, spec: { x: { y: 1 } } };
    const patch = { metadata: { labels: { b: '2' } }, list: [{ z: 1 }] };
    const docBefore = structuredClone(doc);
    const patchBefore = structuredClone(patch);
    const result = applyMergePatch(doc, patch) as { spec: { x: { y: number } }; list: Array<{ z: number }> };
    expect(doc).toEqual(docBefore);
    expect(patch).toEqual(patchBefore);
    result.spec.x.y = 2;
    result.list[0]!.z = 2;
    expect(doc.spec.x.y).toBe(1);
    expect(patch.list[0]!.z).toBe(1);
  });

  it('treats a "__proto__" member as data, never as the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const result = applyMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
