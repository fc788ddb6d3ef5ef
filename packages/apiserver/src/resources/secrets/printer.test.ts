import { describe, expect, it } from 'vitest';
import { HOUR, NOW, ago } from '../../testing/test-clock.js';
import { secretPrinter } from './printer.js';

describe('secretPrinter', () => {
  it('declares NAME TYPE DATA AGE', () => {
    expect(secretPrinter.columns.map((c) => c.name)).toEqual(['Name', 'Type', 'Data', 'Age']);
  });

  it('prints the type and counts data keys', () => {
    const secret = {
      metadata: { name: 'web-tls', creationTimestamp: ago(2 * HOUR) },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' },
    };
    expect(secretPrinter.print(secret, NOW).cells).toEqual(['web-tls', 'kubernetes.io/tls', 2, '120m']);
  });

  it('prints an Opaque secret without data', () => {
    expect(secretPrinter.print({ metadata: { name: 's', creationTimestamp: ago(HOUR) }, type: 'Opaque' }, NOW).cells).toEqual(['s', 'Opaque', 0, '60m']);
  });
});
