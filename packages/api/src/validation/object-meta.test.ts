import { describe, expect, it } from 'vitest';
import type { FieldError } from '../field-errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/** [type, field, message fragment?] of each error, for compact table assertions. */
function summary(errs: FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, e.field]);
}

describe('validateObjectMeta', () => {
  it('accepts a valid namespaced object', () => {
    const meta = {
      name: 'web-1',
      namespace: 'default',
      labels: { app: 'web', 'app.kubernetes.io/name': 'x' },
      annotations: { 'Example.com/Note': 'anything goes here' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }],
      finalizers: ['kubernetes', 'example.com/cleanup'],
      generation: 1,
    };
    expect(validateObjectMeta(meta, { namespaced: true })).toEqual([]);
  });

  it.each([
    ['missing name', { namespace: 'd' }, true, [['FieldValueRequired', 'metadata.name']], 'Required value: name or generateName is required'],
    ['bad name', { name: 'Web_1', namespace: 'd' }, true, [['FieldValueInvalid', 'metadata.name']], 'a lowercase RFC 1123 subdomain'],
    ['bad generateName', { generateName: 'Web-', name: 'web-abcde', namespace: 'd' }, true, [['FieldValueInvalid', 'metadata.generateName']], 'RFC 1123'],
    ['namespace missing', { name: 'a' }, true, [['FieldValueRequired', 'metadata.namespace']], 'Required value'],
    ['namespace not a label', { name: 'a', namespace: 'a.b' }, true, [['FieldValueInvalid', 'metadata.namespace']], 'must not contain dots'],
    [
      'namespace on cluster-scoped',
      { name: 'a', namespace: 'd' },
      false,
      [['FieldValueForbidden', 'metadata.namespace']],
      'Forbidden: not allowed on this type',
    ],
    ['negative generation', { name: 'a', generation: -1 }, false, [['FieldValueInvalid', 'metadata.generation']], 'must be greater than or equal to 0'],
    ['bad label key', { name: 'a', labels: { 'a b': 'x' } }, false, [['FieldValueInvalid', 'metadata.labels']], 'Invalid value: "a b": name part'],
    ['bad label value', { name: 'a', labels: { a: '-x' } }, false, [['FieldValueInvalid', 'metadata.labels']], 'Invalid value: "-x": a valid label'],
    ['bad annotation key', { name: 'a', annotations: { 'a b': 'x' } }, false, [['FieldValueInvalid', 'metadata.annotations']], 'name part'],
    ['huge annotations', { name: 'a', annotations: { a: 'x'.repeat(256 * 1024) } }, false, [['FieldValueTooLong', 'metadata.annotations']], 'Too long'],
    [
      'non-standard finalizer',
      { name: 'a', finalizers: ['cleanup'] },
      false,
      [['FieldValueInvalid', 'metadata.finalizers[0]']],
      'name is neither a standard finalizer name nor is it fully qualified',
    ],
    ['bad finalizer', { name: 'a', finalizers: ['a/b/c'] }, false, [['FieldValueInvalid', 'metadata.finalizers']], 'a qualified name'],
    [
      'orphan and foreground',
      { name: 'a', finalizers: ['orphan', 'foregroundDeletion'] },
      false,
      [['FieldValueInvalid', 'metadata.finalizers']],
      'finalizer orphan and foregroundDeletion cannot be both set',
    ],
  ])('%s', (_name, meta, namespaced, expected, fragment) => {
    const errs = validateObjectMeta(meta, { namespaced });
    expect(summary(errs)).toEqual(expected);
    expect(errs[0]?.message).toContain(fragment);
  });

  it('applies the name rule', () => {
    expect(validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameRule: 'label' })[0]?.message).toContain('must not contain dots');
    expect(validateObjectMeta({ name: 'A_b.c' }, { namespaced: false, nameRule: 'path-segment' })).toEqual([]);
    expect(validateObjectMeta({ name: '1svc', namespace: 'd' }, { namespaced: true, nameRule: 'dns1035-label' })).toHaveLength(1);
  });

  it('validates owner references', () => {
    const errs = validateObjectMeta(
      {
        name: 'a',
        ownerReferences: [
          { apiVersion: '', kind: '', name: '', uid: '' },
          { apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' },
          { apiVersion: 'v1', kind: 'A', name: 'x', uid: 'u', controller: true },
          { apiVersion: 'v1', kind: 'B', name: 'y', uid: 'u', controller: true },
        ],
      },
      { namespaced: false },
    );
    expect(summary(errs)).toEqual([
      ['FieldValueInvalid', 'metadata.ownerReferences.apiVersion'],
      ['FieldValueInvalid', 'metadata.ownerReferences.kind'],
      ['FieldValueInvalid', 'metadata.ownerReferences.name'],
      ['FieldValueInvalid', 'metadata.ownerReferences.uid'],
      ['FieldValueInvalid', 'metadata.ownerReferences'],
      ['FieldValueInvalid', 'metadata.ownerReferences'],
    ]);
    expect(errs[0]?.message).toBe('Invalid value: "": version must not be empty');
    expect(errs[4]?.message).toContain('/v1, Kind=Event is disallowed from being an owner');
    expect(errs[5]?.message).toContain('Only one reference can have Controller set to true. Found "true" in references for A/x and B/y');
  });
});

describe('user keys named like Object.prototype members', () => {
  it('sees a __proto__ label key (from JSON text) and rejects it on metadata.labels', () => {
    const meta = JSON.parse('{"name":"a","labels":{"__proto__":"x","constructor":"y"}}') as Record<string, unknown>;
    const errs = validateObjectMeta(meta, { namespaced: false });
    expect(summary(errs)).toEqual([['FieldValueInvalid', 'metadata.labels']]);
    expect(errs[0]!.message).toMatch(/^Invalid value: "__proto__": name part must consist of alphanumeric characters/);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old = {
    name: 'a',
    namespace: 'd',
    uid: 'u1',
    creationTimestamp: '2024-01-01T00:00:00Z',
    generation: 2,
    labels: { app: 'x' },
  };

  it('accepts label changes', () => {
    expect(validateObjectMetaUpdate({ ...old, labels: { app: 'y' } }, old)).toEqual([]);
  });

  it.each([
    ['name', { ...old, name: 'b' }, 'metadata.name'],
    ['namespace', { ...old, namespace: 'e' }, 'metadata.namespace'],
    ['uid', { ...old, uid: 'u2' }, 'metadata.uid'],
    ['creationTimestamp', { ...old, creationTimestamp: '2025-01-01T00:00:00Z' }, 'metadata.creationTimestamp'],
  ])('%s is immutable', (_f, meta, field) => {
    const errs = validateObjectMetaUpdate(meta, old);
    expect(summary(errs)).toEqual([['FieldValueInvalid', field]]);
    expect(errs[0]?.message).toMatch(/: field is immutable$/);
  });

  it('rejects a decremented generation and invalid labels', () => {
    const errs = validateObjectMetaUpdate({ ...old, generation: 1, labels: { 'a b': 'c' } }, old);
    expect(summary(errs)).toEqual([
      ['FieldValueInvalid', 'metadata.generation'],
      ['FieldValueInvalid', 'metadata.labels'],
    ]);
    expect(errs[0]?.message).toBe('Invalid value: 1: must not be decremented');
  });

  it('forbids new finalizers while deleting', () => {
    const deleting = { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['kubernetes'] };
    expect(validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting)).toEqual([]);
    const errs = validateObjectMetaUpdate({ ...deleting, finalizers: ['kubernetes', 'example.com/x'] }, deleting);
    expect(summary(errs)).toEqual([['FieldValueForbidden', 'metadata.finalizers']]);
    expect(errs[0]?.message).toBe('Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/x"}');
  });
});
