import { describe, expect, it } from 'vitest';
import { warningHeaderValues } from './warning-header.js';

describe('warningHeaderValues', () => {
  it('quotes, escapes and deduplicates', () => {
    expect(warningHeaderValues(['a "b" \\c', 'a "b" \\c', '', 'x\ny', 'ключ'])).toEqual([
      '299 - "a \\"b\\" \\\\c"',
      '299 - "x\\x0ay"',
      '299 - "\\u043a\\u043b\\u044e\\u0447"',
    ]);
  });

  it('produces only characters a Node header accepts', () => {
    const all = warningHeaderValues([String.fromCharCode(...Array.from({ length: 0x3000 }, (_, i) => i))]).join('');
    expect(all).toMatch(/^[\x20-\x7e]*$/);
  });

  it('keeps everything under the 4,096-character cap', () => {
    const texts = Array.from({ length: 10 }, (_, i) => `w${i}-${'x'.repeat(300)}`);
    expect(warningHeaderValues(texts)).toHaveLength(10);
  });

  it('past the cap cuts each text to 256 characters and counts the rest', () => {
    const texts = Array.from({ length: 40 }, (_, i) => `w${i}-${'x'.repeat(300)}`);
    const values = warningHeaderValues(texts);
    expect(values).toHaveLength(17);
    expect(values[0]).toBe(`299 - "w0-${'x'.repeat(253)}"`);
    expect(values[16]).toBe('299 - "and 24 more warnings"');
  });
});
