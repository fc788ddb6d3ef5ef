import { describe, expect, it } from 'vitest';
import { apiServicePrinter } from './printer.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const row = (obj: Record<string, unknown>) =>
  apiServicePrinter.print({ metadata: { name: 'v1.x.io', creationTimestamp: '2026-01-01T00:00:00Z' }, ...obj }, NOW).cells;

describe('kubectl get apiservices', () => {
  it('prints NAME SERVICE AVAILABLE AGE', () => {
    expect(apiServicePrinter.columns.map((c) => c.name)).toEqual(['Name', 'Service', 'Available', 'Age']);
  });

  it('shows Local or namespace/name, and the Available status with its reason unless True', () => {
    expect(row({ spec: {}, status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local' }] } })).toEqual(['v1.x.io', 'Local', 'True', '10m']);
    expect(
      row({
        spec: { service: { namespace: 'kube-system', name: 'metrics-server', port: 443 } },
        status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] },
      }),
    ).toEqual(['v1.x.io', 'kube-system/metrics-server', 'False (MissingEndpoints)', '10m']);
    expect(row({ spec: {} })[2]).toBe('Unknown');
    expect(row({ spec: {}, status: { conditions: [{ type: 'Available', status: 'False' }] } })[2]).toBe('False');
  });
});
