import { describe, expect, it } from 'vitest';
import { DAY, NOW, ago } from '../../testing/test-clock.js';
import { namespacePrinter } from './printer.js';

describe('namespacePrinter', () => {
  it('declares NAME STATUS AGE', () => {
    expect(namespacePrinter.columns.map((c) => c.name)).toEqual(['Name', 'Status', 'Age']);
  });

  it('prints the phase', () => {
    expect(namespacePrinter.print({ metadata: { name: 'default', creationTimestamp: ago(30 * DAY) }, status: { phase: 'Active' } }, NOW).cells).toEqual([
      'default',
      'Active',
      '30d',
    ]);
    expect(namespacePrinter.print({ metadata: { name: 'old', creationTimestamp: ago(DAY) }, status: { phase: 'Terminating' } }, NOW).cells[1]).toBe(
      'Terminating',
    );
  });
});
