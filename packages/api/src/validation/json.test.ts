import { describe, expect, it } from 'vitest';
import { semanticEqual } from './json.js';

describe('semanticEqual', () => {
  it('reads own members only: a missing key is its zero value, not an inherited Object.prototype member', () => {
    expect(semanticEqual({ a: 'x', constructor: '' }, { a: 'x' })).toBe(true);
    expect(semanticEqual({ a: 'x' }, { a: 'x', toString: 0 })).toBe(true);
    expect(semanticEqual({ a: 'x', constructor: 'y' }, { a: 'x' })).toBe(false);
  });
});
