import { describe, expect, it } from 'vitest';
import {
  checkKey,
  decodeCurrent,
  decodeHistory,
  decodeLog,
  encodeCurrent,
  encodeLog,
  encodeTombstone,
  encodeVersion,
  historyKey,
  historyKeyEnd,
  logKey,
  parseHistoryKey,
  parseLogKey,
  parseRevision,
  prefixEnd,
  MAX_REVISION,
} from './layout.js';
import { InvalidKeyError } from './errors.js';

describe('layout', () => {
  it('round-trips rows whose values contain the separator', () => {
    const value = '{"a":"b:c"}:x';
    expect(decodeCurrent(encodeCurrent({ createRevision: 3, modRevision: 17, value }))).toEqual({
      createRevision: 3,
      modRevision: 17,
      value,
    });
    expect(decodeHistory(encodeVersion(5, value))).toEqual({ createRevision: 5, value });
    expect(decodeHistory(encodeVersion(5, ''))).toEqual({ createRevision: 5, value: '' });
    expect(decodeHistory(encodeTombstone(5))).toEqual({ createRevision: 5, value: undefined });
    expect(decodeLog(encodeLog({ type: 'u', prevModRevision: 9, key: '/a:b' }))).toEqual({
      type: 'u',
      prevModRevision: 9,
      key: '/a:b',
    });
  });

  it('rejects corrupt records', () => {
    expect(() => decodeCurrent('garbage')).toThrow(/corrupt/);
    expect(() => decodeCurrent('x:1:v')).toThrow(/corrupt/);
    expect(() => decodeCurrent('1:-2:v')).toThrow(/corrupt/);
    expect(() => decodeHistory('q:1:v')).toThrow(/corrupt/);
    expect(() => decodeLog('x:1:k')).toThrow(/corrupt/);
    expect(() => decodeLog('u:1.5:k')).toThrow(/corrupt/);
  });

  it('parses revisions strictly', () => {
    expect(parseRevision('0')).toBe(0);
    expect(parseRevision('0000000000000042')).toBe(42);
    expect(parseRevision(String(MAX_REVISION))).toBe(MAX_REVISION);
    for (const bad of ['', '-1', '1e3', ' 1', '0x10', '12345678901234567', '9999999999999999']) expect(parseRevision(bad), bad).toBeNaN();
  });

  it('orders a key history newest first and before longer keys', () => {
    const rows = [historyKey('/a', 1), historyKey('/a', 2), historyKey('/a', 10), historyKey('/ab', 5), historyKey('/a/b', 1)];
    const sorted = [...rows].sort();
    expect(sorted).toEqual([historyKey('/a', 10), historyKey('/a', 2), historyKey('/a', 1), historyKey('/a/b', 1), historyKey('/ab', 5)]);
    expect(historyKeyEnd('/a') > historyKey('/a', 0)).toBe(true);
    expect(historyKeyEnd('/a') < historyKey('/a/b', 99)).toBe(true);
    expect(parseHistoryKey(historyKey('/x/y', 123456789))).toEqual({ key: '/x/y', rev: 123456789 });
  });

  it('orders log rows numerically', () => {
    expect(logKey(9) < logKey(10)).toBe(true);
    expect(parseLogKey(logKey(4242))).toBe(4242);
  });

  it('computes exclusive prefix bounds', () => {
    expect(prefixEnd('h/')).toBe('h0');
    expect(prefixEnd('/registry/pods/')).toBe('/registry/pods0');
    expect(prefixEnd('a\uffff')).toBe('b');
    expect(() => prefixEnd('')).toThrow(RangeError);
  });

  it('rejects keys the layout cannot hold', () => {
    expect(() => checkKey('')).toThrow(InvalidKeyError);
    expect(() => checkKey('a\0b')).toThrow(InvalidKeyError);
    expect(() => checkKey('/registry/pods/default/x')).not.toThrow();
  });
});
