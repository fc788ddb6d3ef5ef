import { describe, expect, it } from 'vitest';
import { DAY, NOW, ago } from '../../testing/test-clock.js';
import { leasePrinter } from './printer.js';

describe('leasePrinter', () => {
  it('declares NAME HOLDER AGE', () => {
    expect(leasePrinter.columns.map((c) => c.name)).toEqual(['Name', 'Holder', 'Age']);
  });

  it('prints the holder, or nothing for a released lease', () => {
    const held = { metadata: { name: 'kube-scheduler', creationTimestamp: ago(DAY) }, spec: { holderIdentity: 'host-a_7c1e', leaseDurationSeconds: 15 } };
    expect(leasePrinter.print(held, NOW).cells).toEqual(['kube-scheduler', 'host-a_7c1e', '24h']);
    expect(leasePrinter.print({ metadata: { name: 'x', creationTimestamp: ago(DAY) }, spec: {} }, NOW).cells[1]).toBe('');
  });
});
