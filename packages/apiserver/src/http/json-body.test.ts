import { describe, expect, it } from 'vitest';
import { StatusError } from '../errors.js';
import { MAX_JSON_DEPTH, jsonDepth, parseJsonBody } from './json-body.js';

describe('jsonDepth', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepth('{}')).toBe(1);
    expect(jsonDepth('{"a":[{"b":[]}]}')).toBe(4);
    expect(jsonDepth('{"a":"[[[{{{"}')).toBe(1);
    expect(jsonDepth('{"a":"\\"[[["}')).toBe(1);
    expect(jsonDepth('"x"')).toBe(0);
  });

  it('stops counting once past the limit', () => {
    expect(jsonDepth('['.repeat(1_000_000), 10)).toBe(11);
  });
});

describe('parseJsonBody', () => {
  it('parses bodies up to the depth limit and refuses deeper ones before parsing', () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(parseJsonBody(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(() => parseJsonBody(nested(MAX_JSON_DEPTH + 1))).toThrow(StatusError);
    expect(() => parseJsonBody(nested(100_000))).toThrow(/nested deeper than 200 levels/);
  });

  it('treats an empty body as none and malformed JSON as a 400', () => {
    expect(parseJsonBody('  ')).toBeUndefined();
    try {
      parseJsonBody('{"a":');
      throw new Error('unreachable');
    } catch (err) {
      expect(err).toBeInstanceOf(StatusError);
      expect((err as StatusError).code).toBe(400);
    }
  });
});

describe('lone surrogates', () => {
  it('become U+FFFD in strings and keys, as Go decodes them, and pairs stay', () => {
    const v = parseJsonBody('{"metadata":{"name":"a\\ud800b"},"data":{"\\udc00k":"\\ud83d\\ude00 ok \\\\ud800"}}') as Record<string, Record<string, string>>;
    expect(v['metadata']!['name']).toBe('a\ufffdb');
    expect(v['data']).toEqual({ '\ufffdk': '\u{1F600} ok \\ud800' });
  });
});
