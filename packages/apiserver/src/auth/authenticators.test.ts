import { describe, expect, it } from 'vitest';
import { sameSecret } from './authenticators.js';

describe('sameSecret', () => {
  it('matches equal secrets only, whatever their lengths', () => {
    expect(sameSecret('0123456789abcdef', '0123456789abcdef')).toBe(true);
    expect(sameSecret('0123456789abcdef', '0123456789abcdeg')).toBe(false);
    expect(sameSecret('0123456789abcdef', '0123')).toBe(false);
    expect(sameSecret('0123456789abcdef', '')).toBe(false);
    expect(sameSecret(undefined, '0123456789abcdef')).toBe(false);
  });
});
