/**
 * `kubectl get events` (core/v1 Event): LAST SEEN TYPE REASON OBJECT MESSAGE,
 * wide: SUBOBJECT SOURCE FIRST SEEN COUNT NAME. LAST SEEN falls back to the
 * first timestamp, which falls back to `eventTime`; an event series uses its
 * `lastObservedTime` and count. OBJECT is "<kind in lower case>/<name>".
 * SOURCE is "component, host", taken from `reportingComponent` (Kubernetes'
 * internal ReportingController) and `reportingInstance` when `source` is empty.
 */
import { column, nameColumn } from '../../tables/columns.js';
import { at, int, isObject, obj, str } from '../../tables/json-fields.js';
import { age, parseTimestamp } from '../../tables/time-cells.js';
import type { JsonObject } from '../../tables/json-fields.js';
import type { PrintedRow, ResourcePrinter } from '../../tables/types.js';

export const eventPrinter: ResourcePrinter = {
  columns: [
    column('Last Seen', 'string', 'Time since the event was last observed.'),
    column('Type', 'string', 'Type of the event: Normal or Warning.'),
    column('Reason', 'string', 'Short, machine-readable reason for the event.'),
    column('Object', 'string', 'The object the event is about.'),
    column('Subobject', 'string', 'The part of the object the event is about (involvedObject.fieldPath).', { priority: 1 }),
    column('Source', 'string', 'The component (and host) that reported the event.', { priority: 1 }),
    column('Message', 'string', 'Human-readable description of the event.'),
    column('First Seen', 'string', 'Time since the event was first observed.', { priority: 1 }),
    column('Count', 'string', 'Number of times the event has occurred.', { priority: 1 }),
    { ...nameColumn(), priority: 1 },
  ],
  print(event: JsonObject, now: number): PrintedRow {
    const firstSeen = parseTimestamp(event['firstTimestamp']) !== undefined ? age(event['firstTimestamp'], now) : age(event['eventTime'], now);
    let lastSeen = parseTimestamp(event['lastTimestamp']) !== undefined ? age(event['lastTimestamp'], now) : firstSeen;
    let count = int(event['count']);
    const series = event['series'];
    if (isObject(series)) {
      lastSeen = age(series['lastObservedTime'], now);
      count = int(series['count']);
    } else if (count === 0) {
      // Events written through events.k8s.io leave count unset for a single occurrence.
      count = 1;
    }
    const involved = obj(event['involvedObject']);
    const kind = str(involved['kind']).toLowerCase();
    const target = str(involved['name']) !== '' ? `${kind}/${str(involved['name'])}` : kind;
    const cells: unknown[] = [
      lastSeen,
      str(event['type']),
      str(event['reason']),
      target,
      str(involved['fieldPath']),
      eventSource(event),
      str(event['message']).trim(),
      firstSeen,
      count,
      str(at(event, 'metadata', 'name')),
    ];
    return { cells };
  },
};

function eventSource(event: JsonObject): string {
  const component = str(at(event, 'source', 'component')) || str(event['reportingComponent']);
  const host = str(at(event, 'source', 'host')) || str(event['reportingInstance']);
  return host === '' ? component : `${component}, ${host}`;
}
