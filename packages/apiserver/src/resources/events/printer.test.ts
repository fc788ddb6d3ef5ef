import { describe, expect, it } from 'vitest';
import { MINUTE, NOW, SECOND, ago } from '../../testing/test-clock.js';
import { eventPrinter } from './printer.js';

type Obj = Record<string, unknown>;

function event(fields: Obj): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web-1.17f0a', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{web}' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container web in pod web-1\n',
    source: { component: 'kubelet', host: 'mk8s-worker-1' },
    firstTimestamp: ago(10 * MINUTE),
    lastTimestamp: ago(30 * SECOND),
    count: 7,
    ...fields,
  };
}

describe('eventPrinter', () => {
  it('declares Kubernetes event columns with the wide ones at priority 1', () => {
    expect(eventPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Last Seen:0',
      'Type:0',
      'Reason:0',
      'Object:0',
      'Subobject:1',
      'Source:1',
      'Message:0',
      'First Seen:1',
      'Count:1',
      'Name:1',
    ]);
  });

  it('prints a kubelet event', () => {
    expect(eventPrinter.print(event({}), NOW).cells).toEqual([
      '30s',
      'Warning',
      'BackOff',
      'pod/web-1',
      'spec.containers{web}',
      'kubelet, mk8s-worker-1',
      'Back-off restarting failed container web in pod web-1',
      '10m',
      7,
      'web-1.17f0a',
    ]);
  });

  it('falls back to eventTime, reporting controller and a count of 1 for events.k8s.io style events', () => {
    const cells = eventPrinter.print(
      event({
        firstTimestamp: null,
        lastTimestamp: null,
        count: undefined,
        eventTime: '2025-03-01T11:58:00.000000Z',
        source: {},
        reportingComponent: 'default-scheduler',
        reportingInstance: '',
        involvedObject: { kind: 'Pod', name: 'web-2' },
        type: 'Normal',
        reason: 'Scheduled',
      }),
      NOW,
    ).cells;
    expect(cells).toEqual(['2m', 'Normal', 'Scheduled', 'pod/web-2', '', 'default-scheduler', expect.any(String), '2m', 1, 'web-1.17f0a']);
  });

  it('uses the series for last seen and count', () => {
    const cells = eventPrinter.print(event({ series: { count: 12, lastObservedTime: ago(5 * SECOND) } }), NOW).cells;
    expect(cells[0]).toBe('5s');
    expect(cells[8]).toBe(12);
  });

  it('prints just the kind for an event about an unnamed object', () => {
    expect(eventPrinter.print(event({ involvedObject: { kind: 'Node' } }), NOW).cells[3]).toBe('node');
  });
});
