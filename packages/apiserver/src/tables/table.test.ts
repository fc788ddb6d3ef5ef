import { describe, expect, it } from 'vitest';
import { toTable } from './index.js';
import { nodePrinter } from '../resources/nodes/printer.js';
import { podPrinter } from '../resources/pods/printer.js';
import { secretPrinter } from '../resources/secrets/printer.js';
import { MINUTE, NOW, ago } from '../testing/test-clock.js';

const pods = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '11', labels: { app: 'web' }, creationTimestamp: ago(2 * MINUTE) },
    spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'busybox' }] },
    status: { phase: 'Running', podIPs: [{ ip: '172.17.0.2' }], containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'job-1', namespace: 'default', uid: 'u2', resourceVersion: '12', creationTimestamp: ago(MINUTE) },
    spec: { containers: [{ name: 'job' }] },
    status: { phase: 'Succeeded', containerStatuses: [{ name: 'job', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
  },
];

describe('toTable', () => {
  it('builds a meta.k8s.io/v1 Table with PartialObjectMetadata rows by default', () => {
    const table = toTable(podPrinter, pods, { now: NOW, resourceVersion: '12', continue: 'abc' });
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.metadata).toEqual({ resourceVersion: '12', continue: 'abc' });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    for (const definition of table.columnDefinitions) {
      expect(Object.keys(definition).sort()).toEqual(['description', 'format', 'name', 'priority', 'type']);
    }
    expect(table.rows[0]).toEqual({
      cells: ['web-1', '1/1', 'Running', '0', '2m', '172.17.0.2', 'n1', '<none>', '<none>'],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pods[0]!.metadata },
    });
    expect(table.rows[1]?.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('embeds the whole object or nothing as includeObject asks', () => {
    expect(toTable(podPrinter, pods, { now: NOW, includeObject: 'Object' }).rows[0]?.object).toBe(pods[0]);
    const none = toTable(podPrinter, pods, { now: NOW, includeObject: 'None' });
    expect(none.rows.every((row) => !('object' in row))).toBe(true);
  });

  it('leaves out headers when asked, and empty metadata fields', () => {
    const table = toTable(podPrinter, pods, { now: NOW, noHeaders: true, continue: '' });
    expect(table.columnDefinitions).toEqual([]);
    expect(table.metadata).toEqual({});
    expect(table.rows).toHaveLength(2);
  });

  it('prints an empty list with its columns', () => {
    const table = toTable(nodePrinter, [], { now: NOW, resourceVersion: '5' });
    expect(table.rows).toEqual([]);
    expect(table.columnDefinitions[1]?.name).toBe('Status');
  });

  it('falls back to the default NAME / CREATED AT table for a resource without a printer', () => {
    const objects = [{ metadata: { name: 'slice-1', creationTimestamp: '2025-02-28T10:15:30Z' } }, { metadata: { name: 'undated' } }];
    const table = toTable(undefined, objects, { now: NOW });
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format])).toEqual([
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ]);
    expect(table.rows.map((row) => row.cells)).toEqual([
      ['slice-1', '2025-02-28T10:15:30Z'],
      ['undated', '0001-01-01T00:00:00Z'],
    ]);
  });

  it('does not let callers change the printer columns through a returned table', () => {
    const first = toTable(secretPrinter, [], { now: NOW });
    first.columnDefinitions[0]!.name = 'Changed';
    expect(toTable(secretPrinter, [], { now: NOW }).columnDefinitions[0]?.name).toBe('Name');
  });
});
