import { describe, expect, it } from 'vitest';
import {
  EverythingFields,
  FieldSelectorParseError,
  escapeFieldValue,
  fieldLabelNotSupportedMessage,
  fieldSelectorFromSet,
  parseFieldSelector,
  unescapeFieldValue,
  unsupportedFieldLabels,
} from './fields.js';

describe('parseFieldSelector', () => {
  it.each([
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a=b'],
    ['a!=b', 'a!=b'],
    ['b=2,a=1', 'a=1,b=2'],
    ['a=b,,c=d', 'a=b,c=d'],
    ['a=', 'a='],
    ['a=x\\,y', 'a=x\\,y'],
    ['a=x\\=y\\\\z', 'a=x\\=y\\\\z'],
    ['spec.nodeName=node-1,status.phase!=Failed', 'spec.nodeName=node-1,status.phase!=Failed'],
  ])('%j -> %j', (input, canonical) => {
    expect(parseFieldSelector(input).toString()).toBe(canonical);
  });

  it('unescapes values', () => {
    const sel = parseFieldSelector('a=x\\,y\\=z\\\\');
    expect(sel.requirements()).toEqual([{ field: 'a', operator: '=', value: 'x,y=z\\' }]);
  });

  it.each([
    ['abc', "invalid selector: 'abc'; can't understand 'abc'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b\\c', 'invalid field selector: invalid escape sequence: \\c'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
  ])('%j fails with %j', (input, message) => {
    expect(() => parseFieldSelector(input)).toThrow(FieldSelectorParseError);
    expect(() => parseFieldSelector(input)).toThrow(message);
  });

  it('matches, treating missing fields as empty', () => {
    const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed');
    expect(sel.matches({ 'spec.nodeName': 'n1', 'status.phase': 'Running' })).toBe(true);
    expect(sel.matches({ 'spec.nodeName': 'n1', 'status.phase': 'Failed' })).toBe(false);
    expect(sel.matches({ 'spec.nodeName': 'n2' })).toBe(false);
    expect(parseFieldSelector('spec.nodeName=').matches({})).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=').matches({ 'spec.nodeName': 'x' })).toBe(true);
  });

  it('empty and requiresExactMatch', () => {
    expect(parseFieldSelector('').empty()).toBe(true);
    expect(EverythingFields.matches({ a: 'b' })).toBe(true);
    const sel = parseFieldSelector('metadata.name!=x,spec.nodeName=n1');
    expect(sel.empty()).toBe(false);
    expect(sel.requiresExactMatch('spec.nodeName')).toBe('n1');
    expect(sel.requiresExactMatch('metadata.name')).toBeUndefined();
  });

  it('escape helpers round trip', () => {
    expect(escapeFieldValue('a,b=c\\')).toBe('a\\,b\\=c\\\\');
    expect(unescapeFieldValue(escapeFieldValue('a,b=c\\'))).toBe('a,b=c\\');
    expect(fieldSelectorFromSet({ 'metadata.name': 'a,b' }).toString()).toBe('metadata.name=a\\,b');
  });
});

describe('unsupportedFieldLabels', () => {
  it('reports the labels a kind lacks, each once, in selector order', () => {
    const pod = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];
    expect(unsupportedFieldLabels(pod, parseFieldSelector('spec.nodeName=a,status.phase=Running'))).toEqual([]);
    expect(unsupportedFieldLabels(['metadata.name'], parseFieldSelector('data.x=a,data.x!=b,metadata.name=c,spec.y=d'))).toEqual(['data.x', 'spec.y']);
    expect(fieldLabelNotSupportedMessage('data.x')).toBe('field label not supported: data.x');
  });
});
