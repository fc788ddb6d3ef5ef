import { describe, expect, it } from 'vitest';
import { formatLabelSelector, formatLabels, selectorString } from './label-selector.js';

describe('formatLabels', () => {
  it('sorts by key and prints <none> when empty', () => {
    expect(formatLabels({ tier: 'fe', app: 'web' })).toBe('app=web,tier=fe');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels(undefined)).toBe('<none>');
  });
});

describe('selectorString', () => {
  it('renders every operator with sorted keys and values', () => {
    expect(
      selectorString({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'zone', operator: 'NotIn', values: ['b', 'a'] },
          { key: 'tier', operator: 'In', values: ['web'] },
          { key: 'beta', operator: 'Exists' },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,beta,!canary,tier in (web),zone notin (a,b)');
  });

  it('is empty for an empty or absent selector and undefined when malformed', () => {
    expect(selectorString({})).toBe('');
    expect(selectorString(null)).toBe('');
    expect(selectorString({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toBeUndefined();
    expect(selectorString({ matchExpressions: [{ operator: 'Exists' }] })).toBeUndefined();
  });
});

describe('formatLabelSelector', () => {
  it('prints <none> and <error> like metav1.FormatLabelSelector', () => {
    expect(formatLabelSelector({ matchLabels: { app: 'web' } })).toBe('app=web');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] })).toBe('<error>');
  });
});
