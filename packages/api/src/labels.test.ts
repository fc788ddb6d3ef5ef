import { describe, expect, it } from 'vitest';
import {
  Everything,
  Nothing,
  SelectorParseError,
  isNothing,
  newRequirement,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
} from './labels.js';

describe('parseLabelSelector', () => {
  it.each([
    ['', ''],
    ['x=a', 'x=a'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['  x = a  ', 'x=a'],
    ['y,x', 'x,y'],
    ['!x', '!x'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x in (b, a , a)', 'x in (a,b)'],
    ['x notin (a)', 'x notin (a)'],
    ['x in ()', 'x in ()'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (a,,b)', 'x in (,a,b)'],
    ['x=', 'x='],
    ['x=,y', 'x=,y'],
    ['z=c,x in (foo,,baz),y,w notin ()', 'w notin (),x in (,baz,foo),y,z=c'],
    ['x>1', 'x>1'],
    ['x<5', 'x<5'],
    ['x in (in,notin)', 'x in (in,notin)'],
    ['example.com/app=web', 'example.com/app=web'],
  ])('%j -> %j', (input, canonical) => {
    expect(parseLabelSelector(input).toString()).toBe(canonical);
  });

  it.each([
    ['x=a,', "found '', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['x=a y', "found 'y', expected: ',' or 'end of string'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x y', "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"],
    ['x=(a)', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['x>a', "for 'Gt', 'Lt' operators, the value must be an integer"],
  ])('%j fails with %j', (input, message) => {
    expect(() => parseLabelSelector(input)).toThrow(SelectorParseError);
    expect(() => parseLabelSelector(input)).toThrow(message);
  });

  it('validates keys like Kubernetes (qualified names)', () => {
    expect(() => parseLabelSelector('a_=b')).toThrow(
      'unable to parse requirement: <nil>: Invalid value: "a_": name part must consist of alphanumeric characters',
    );
    expect(() => parseLabelSelector('a/b/c')).toThrow('a qualified name must consist of');
    expect(() => parseLabelSelector(`${'a'.repeat(64)}`)).toThrow('name part must be no more than 63 characters');
  });

  it('validates values like Kubernetes (label values)', () => {
    expect(() => parseLabelSelector('a=b_')).toThrow('unable to parse requirement: values[0][a]: Invalid value: "b_": a valid label must be an empty string');
    expect(() => parseLabelSelector(`a=${'v'.repeat(64)}`)).toThrow('must be no more than 63 characters');
  });

  it('matches', () => {
    const sel = parseLabelSelector('app=web,tier in (front,back),!canary,env notin (prod),track');
    expect(sel.matches({ app: 'web', tier: 'front', track: 'x' })).toBe(true);
    expect(sel.matches({ app: 'web', tier: 'front', track: 'x', env: 'dev' })).toBe(true);
    expect(sel.matches({ app: 'web', tier: 'front', track: 'x', env: 'prod' })).toBe(false);
    expect(sel.matches({ app: 'web', tier: 'front', track: 'x', canary: '' })).toBe(false);
    expect(sel.matches({ app: 'web', tier: 'mid', track: 'x' })).toBe(false);
    expect(sel.matches({ app: 'web', tier: 'front' })).toBe(false);
    expect(sel.matches(undefined)).toBe(false);
    expect(parseLabelSelector('a!=b').matches({})).toBe(true);
    expect(parseLabelSelector('a=').matches({ a: '' })).toBe(true);
    expect(parseLabelSelector('a=').matches({})).toBe(false);
    expect(parseLabelSelector('n>5').matches({ n: '6' })).toBe(true);
    expect(parseLabelSelector('n>5').matches({ n: '5' })).toBe(false);
    expect(parseLabelSelector('n<5').matches({ n: 'x' })).toBe(false);
  });

  it('exposes sorted requirements and exact matches', () => {
    const sel = parseLabelSelector('b in (y),a=x,c in (1,2),d!=z');
    expect(sel.requirements().map((r) => r.key)).toEqual(['a', 'b', 'c', 'd']);
    expect(sel.requirements()[0]).toEqual({ key: 'a', operator: '=', values: ['x'] });
    expect(sel.requiresExactMatch('a')).toBe('x');
    expect(sel.requiresExactMatch('b')).toBe('y');
    expect(sel.requiresExactMatch('c')).toBeUndefined();
    expect(sel.requiresExactMatch('d')).toBeUndefined();
    expect(sel.requiresExactMatch('zz')).toBeUndefined();
    expect(sel.empty()).toBe(false);
    expect(parseLabelSelector('').empty()).toBe(true);
  });
});

describe('Everything and Nothing', () => {
  it('behave like Kubernetes', () => {
    expect(Everything.matches({ a: 'b' })).toBe(true);
    expect(Everything.empty()).toBe(true);
    expect(Nothing.matches({})).toBe(false);
    expect(Nothing.empty()).toBe(false);
    expect(Nothing.toString()).toBe('');
    expect(isNothing(Nothing)).toBe(true);
    expect(isNothing(Everything)).toBe(false);
  });
});

describe('selectorFromLabelSelector', () => {
  it('null matches nothing, {} matches everything', () => {
    expect(isNothing(selectorFromLabelSelector(null))).toBe(true);
    expect(isNothing(selectorFromLabelSelector(undefined))).toBe(true);
    expect(selectorFromLabelSelector({}).empty()).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).matches({ x: 'y' })).toBe(true);
  });

  it('combines matchLabels and matchExpressions', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'track', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(sel.toString()).toBe('app=web,!canary,env notin (prod),tier in (a,b),track');
    expect(sel.matches({ app: 'web', tier: 'a', track: '1' })).toBe(true);
    expect(sel.matches({ app: 'web', tier: 'a', track: '1', canary: 'y' })).toBe(false);
  });

  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'Foo' }] }, '"Foo" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values set must be empty for exists and does not exist'],
    [{ matchLabels: { 'a b': 'x' } }, 'key: Invalid value: "a b"'],
    [{ matchLabels: { a: 'x y' } }, 'values[0][a]: Invalid value: "x y"'],
  ])('rejects %j', (ls, message) => {
    expect(() => selectorFromLabelSelector(ls)).toThrow(message);
  });
});

describe('selectorFromSet and newRequirement', () => {
  it('selectorFromSet', () => {
    expect(selectorFromSet({ b: '2', a: '1' }).toString()).toBe('a=1,b=2');
    expect(selectorFromSet({}).empty()).toBe(true);
    expect(selectorFromSet(undefined).matches({})).toBe(true);
    expect(selectorFromSet({ a: '1' }).matches({ a: '1', b: '2' })).toBe(true);
  });

  it('newRequirement aggregates several errors', () => {
    expect(() => newRequirement('a_', '=', [])).toThrow(/^\[key: Invalid value: "a_": .*, values: Invalid value: \[\]string\{\}: exact-match/);
  });
});
