import { describe, expect, it } from 'vitest';
import { eventFromV1, eventToV1 } from './convert.js';

describe('events.k8s.io/v1 <-> core/v1 Event conversion', () => {
  const core = {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: { name: 'e', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p' },
    reason: 'Started',
    message: 'started',
    source: { component: 'kubelet' },
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:01Z',
    count: 2,
    type: 'Normal',
    eventTime: '2026-01-01T00:00:00.000001Z',
    series: { count: 4, lastObservedTime: '2026-01-01T00:00:02.000000Z' },
    action: 'Start',
    related: { kind: 'Node', name: 'n' },
    reportingComponent: 'kubelet',
    reportingInstance: 'n',
  };

  it('renames the fields Kubernetes renames, in the v1 field order, and round-trips', () => {
    const v1 = eventToV1(core);
    expect(Object.keys(v1)).toEqual([
      'kind',
      'apiVersion',
      'metadata',
      'eventTime',
      'series',
      'reportingController',
      'reportingInstance',
      'action',
      'reason',
      'regarding',
      'related',
      'note',
      'type',
      'deprecatedSource',
      'deprecatedFirstTimestamp',
      'deprecatedLastTimestamp',
      'deprecatedCount',
    ]);
    expect(v1).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      regarding: core.involvedObject,
      note: 'started',
      reportingController: 'kubelet',
      deprecatedSource: core.source,
      deprecatedCount: 2,
    });
    expect(eventFromV1(v1)).toEqual(core);
  });

  it('gives regarding and involvedObject as empty references when unset (Go structs)', () => {
    expect(eventToV1({ kind: 'Event', apiVersion: 'v1', metadata: { name: 'x' } })['regarding']).toEqual({});
    expect(eventFromV1({ kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: { name: 'x' } })['involvedObject']).toEqual({});
  });
});
