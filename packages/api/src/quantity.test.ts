import { describe, expect, it } from 'vitest';
import { Quantity, QuantityError, isQuantity, parseQuantity } from './quantity.js';

const FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

describe('parseQuantity canonical form', () => {
  it.each([
    ['0', '0'],
    ['100m', '100m'],
    ['1.5', '1500m'],
    ['1', '1'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['0.1', '100m'],
    ['64Mi', '64Mi'],
    ['1024Ki', '1Mi'],
    ['1.5Gi', '1536Mi'],
    ['1.5Ki', '1536'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['1G', '1G'],
    ['1000M', '1G'],
    ['1e3', '1e3'],
    ['1E3', '1E3'],
    ['1e4', '10e3'],
    ['1.5e3', '1500'],
    ['1e-3', '1e-3'],
    ['12e6', '12e6'],
    ['1k', '1k'],
    ['2000', '2k'],
    ['-1', '-1'],
    ['-1.5', '-1500m'],
    ['0.9n', '1n'],
    ['0.0000000001', '1n'],
    ['1.2345', '1234500u'],
    ['00', '0'],
    ['0m', '0'],
    ['-0', '0'],
    ['+1Ki', '+1Ki'],
    ['8Ei', '9223372036854775807'],
    ['1000E', '1e21'],
    ['18446744073709551616', '18446744073709551616'],
    // Kubernetes keeps an already canonical text verbatim, even "1.".
    ['1.', '1.'],
  ])('%s -> %s', (input, expected) => {
    expect(parseQuantity(input).toString()).toBe(expected);
  });

  it('accepts JSON numbers by their text', () => {
    expect(parseQuantity(1).toString()).toBe('1');
    expect(parseQuantity(0.5).toString()).toBe('500m');
    expect(parseQuantity(2).toJSON()).toBe('2');
  });

  it('keeps the format family', () => {
    expect(parseQuantity('1Ki').format).toBe('BinarySI');
    expect(parseQuantity('1k').format).toBe('DecimalSI');
    expect(parseQuantity('1e3').format).toBe('DecimalExponent');
    // A binary quantity below one unit is shown in decimal notation.
    expect(parseQuantity('0.0001Ki').format).toBe('DecimalSI');
  });

  it('caps binary quantities at 2^63-1', () => {
    expect(parseQuantity('16Ei').cmp(parseQuantity('9223372036854775807'))).toBe(0);
  });
});

describe('parseQuantity errors', () => {
  it.each(['', ' 1', '1 ', '1.1.M', 'aoeu', '1+1.0M', '1.a', '1Kx'])('rejects %j with the format message', (input) => {
    expect(() => parseQuantity(input)).toThrow(QuantityError);
    expect(() => parseQuantity(input)).toThrow(FORMAT_MESSAGE);
  });

  it.each(['1i', '.5i', '0.1mi', '1ii', '-3.01e-', '1e', '1Kii', '--1'])('rejects %j with the suffix message', (input) => {
    expect(() => parseQuantity(input)).toThrow("unable to parse quantity's suffix");
  });

  it('rejects non-finite numbers', () => {
    expect(() => parseQuantity(Number.NaN)).toThrow(QuantityError);
    expect(() => parseQuantity(Infinity)).toThrow(QuantityError);
  });

  it('isQuantity', () => {
    expect(isQuantity('100m')).toBe(true);
    expect(isQuantity(3)).toBe(true);
    expect(isQuantity('1x')).toBe(false);
    expect(isQuantity(null)).toBe(false);
    expect(isQuantity({})).toBe(false);
  });
});

describe('Quantity values and arithmetic', () => {
  it('milliValue and value round up away from zero', () => {
    expect(parseQuantity('100m').milliValue()).toBe(100);
    expect(parseQuantity('1.5').milliValue()).toBe(1500);
    expect(parseQuantity('1n').milliValue()).toBe(1);
    expect(parseQuantity('1.1').value()).toBe(2);
    expect(parseQuantity('-1.1').value()).toBe(-2);
    expect(parseQuantity('64Mi').value()).toBe(64 * 1024 * 1024);
    expect(parseQuantity('1e3').value()).toBe(1000);
    expect(parseQuantity('1E-3').milliValue()).toBe(1);
    expect(parseQuantity('250m').value()).toBe(1);
  });

  it('compares exactly across formats and scales', () => {
    expect(parseQuantity('1').cmp(parseQuantity('1000m'))).toBe(0);
    expect(parseQuantity('1Ki').cmp(parseQuantity('1k'))).toBe(1);
    expect(parseQuantity('999m').cmp(parseQuantity('1'))).toBe(-1);
    expect(parseQuantity('-1').cmp(parseQuantity('0'))).toBe(-1);
    expect(parseQuantity('1e300').cmp(parseQuantity('1e-3'))).toBe(1);
    expect(parseQuantity('-1e300').cmp(parseQuantity('-1'))).toBe(-1);
    expect(parseQuantity('0.1').equals(parseQuantity('100m'))).toBe(true);
  });

  it('adds and subtracts exactly', () => {
    const sum = parseQuantity('100m').add(parseQuantity('1.9'));
    expect(sum.toString()).toBe('2');
    expect(parseQuantity('1Gi').sub(parseQuantity('512Mi')).toString()).toBe('512Mi');
    expect(parseQuantity('0.1').add(parseQuantity('0.2')).cmp(parseQuantity('300m'))).toBe(0);
    // A zero receiver adopts the other operand's format.
    expect(parseQuantity('0').add(parseQuantity('1Ki')).toString()).toBe('1Ki');
    expect(parseQuantity('1').sub(parseQuantity('3')).sign()).toBe(-1);
  });

  it('isZero, sign, neg', () => {
    expect(parseQuantity('0').isZero()).toBe(true);
    expect(parseQuantity('0Ki').isZero()).toBe(true);
    expect(parseQuantity('1m').sign()).toBe(1);
    expect(parseQuantity('1m').neg().toString()).toBe('-1m');
  });

  it('builds quantities from integers and milli values', () => {
    expect(Quantity.fromInt(2048, 'BinarySI').toString()).toBe('2Ki');
    expect(Quantity.fromMilli(250).toString()).toBe('250m');
    expect(Quantity.fromMilli(3000).toString()).toBe('3');
    expect(Quantity.fromInt(5n).value()).toBe(5);
    expect(Quantity.fromMilli(1500).toNumber()).toBeCloseTo(1.5);
    expect(JSON.stringify({ cpu: Quantity.fromMilli(100) })).toBe('{"cpu":"100m"}');
  });

  it('binary values that are not whole are shown in decimal', () => {
    expect(parseQuantity('1.5Ki').sub(parseQuantity('0.5')).toString()).toBe('1535500m');
  });
});
