import { describe, expect, it } from 'vitest';
import { DAY, NOW, ago } from '../../testing/test-clock.js';
import { configMapPrinter } from './printer.js';

describe('configMapPrinter', () => {
  it('declares NAME DATA AGE', () => {
    expect(configMapPrinter.columns.map((c) => c.name)).toEqual(['Name', 'Data', 'Age']);
  });

  it('counts data and binaryData keys', () => {
    const cm = { metadata: { name: 'kube-root-ca.crt', creationTimestamp: ago(12 * DAY) }, data: { 'ca.crt': 'x', extra: 'y' }, binaryData: { blob: 'AAE=' } };
    expect(configMapPrinter.print(cm, NOW).cells).toEqual(['kube-root-ca.crt', 3, '12d']);
  });

  it('prints 0 for a config map without data', () => {
    expect(configMapPrinter.print({ metadata: { name: 'empty', creationTimestamp: ago(0) } }, NOW).cells).toEqual(['empty', 0, '0s']);
  });
});
