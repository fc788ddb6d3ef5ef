import { describe, expect, it } from 'vitest';
import { MINUTE, NOW, ago } from '../../testing/test-clock.js';
import { endpointsPrinter } from './printer.js';

const endpoints = (subsets: unknown) => ({ metadata: { name: 'web', creationTimestamp: ago(7 * MINUTE) }, subsets });
const cell = (subsets: unknown) => endpointsPrinter.print(endpoints(subsets), NOW).cells[1];

describe('endpointsPrinter', () => {
  it('declares NAME ENDPOINTS AGE', () => {
    expect(endpointsPrinter.columns.map((c) => c.name)).toEqual(['Name', 'Endpoints', 'Age']);
  });

  it('prints ip:port pairs and the age', () => {
    const subsets = [{ addresses: [{ ip: '172.17.0.4' }, { ip: '172.17.0.5' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }];
    expect(endpointsPrinter.print(endpoints(subsets), NOW).cells).toEqual(['web', '172.17.0.4:8080,172.17.0.5:8080', '7m']);
  });

  it('shows three and counts the rest across ports and subsets', () => {
    const subsets = [
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] },
      { addresses: [{ ip: '10.0.0.3' }], ports: [{ port: 80 }] },
    ];
    expect(cell(subsets)).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...');
  });

  it('prints bare IPs for a subset without ports and brackets IPv6 addresses', () => {
    expect(cell([{ addresses: [{ ip: '10.0.0.9' }] }])).toBe('10.0.0.9');
    expect(cell([{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }])).toBe('[fd00::5]:80');
  });

  it('prints <none> without subsets and nothing for subsets with only not-ready addresses', () => {
    expect(cell(undefined)).toBe('<none>');
    expect(cell([])).toBe('<none>');
    expect(cell([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }])).toBe('');
  });
});
