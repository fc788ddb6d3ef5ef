import { describe, expect, it } from 'vitest';
import { decodeMap, encodeMap, labelFilters, matchesSelector, parseAttempt } from './labels.js';

describe('labels', () => {
  it('round-trips maps through JSON and tolerates garbage', () => {
    const m = { 'app.kubernetes.io/name': 'web', 'io.kubernetes.pod.name': 'x=y' };
    expect(decodeMap(encodeMap(m))).toEqual(m);
    expect(decodeMap(encodeMap(undefined))).toEqual({});
    expect(decodeMap('not json')).toEqual({});
    expect(decodeMap('[1]')).toEqual({});
    expect(decodeMap('{"a":1,"b":"2"}')).toEqual({ b: '2' });
  });

  it('matches equality selectors ANDed', () => {
    expect(matchesSelector({ a: '1', b: '2' }, { a: '1' })).toBe(true);
    expect(matchesSelector({ a: '1', b: '2' }, { a: '1', b: '3' })).toBe(false);
    expect(matchesSelector({ a: '1' }, undefined)).toBe(true);
    expect(matchesSelector({}, {})).toBe(true);
  });

  it('builds Docker label filters and parses attempts', () => {
    expect(labelFilters({ a: '1', b: '' })).toEqual(['a=1', 'b=']);
    expect(parseAttempt('3')).toBe(3);
    expect(parseAttempt('x')).toBe(0);
    expect(parseAttempt(undefined)).toBe(0);
  });
});
