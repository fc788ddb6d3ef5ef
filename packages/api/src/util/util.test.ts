import { describe, expect, it } from 'vitest';
import { parseBoolParam } from './bool-param.js';
import { deepEqual } from './deep-equal.js';
import { errorMessage } from './error-message.js';
import { intToIpv4, ipv4ToInt } from './ipv4.js';
import { metaTime, microTime } from './time.js';

describe('shared helpers', () => {
  it('parseBoolParam: false only when absent, 0 or false in any case, as runtime.Convert_Slice_string_To_bool', () => {
    for (const v of ['true', 'True', 'TRUE', 't', 'T', '1', '', 'yes', 'no', 'off', '00', ' false', 'false '])
      expect(parseBoolParam(v), JSON.stringify(v)).toBe(true);
    for (const v of [undefined, 'false', 'False', 'FALSE', 'fAlSe', '0', 'fal\u017fe']) expect(parseBoolParam(v), JSON.stringify(v)).toBe(false);
  });

  it('errorMessage: an Error’s message, anything else as a string', () => {
    expect(errorMessage(new TypeError('bad'))).toBe('bad');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('metaTime truncates to the second; microTime keeps six digits', () => {
    const ms = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    expect(metaTime(ms)).toBe('2026-01-02T03:04:05Z');
    expect(metaTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02T03:04:05Z');
    expect(microTime(ms)).toBe('2026-01-02T03:04:05.678000Z');
  });

  it('IPv4 to and from numbers, refusing what is not four octets', () => {
    expect(ipv4ToInt('10.96.0.1')).toBe(174063617);
    expect(ipv4ToInt('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(intToIpv4(2 ** 32 - 1)).toBe('255.255.255.255');
    expect(intToIpv4(174063617)).toBe('10.96.0.1');
    for (const bad of ['10.96.0', '10.96.0.256', '1.2.3.4.5', 'a.b.c.d', '1.2.3.-4', '']) expect(ipv4ToInt(bad), bad).toBeUndefined();
  });

  it('deepEqual ignores key order, treats undefined members as absent, and nothing else', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: 0 }, {})).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ a: [] }, { a: {} })).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
  });
});
