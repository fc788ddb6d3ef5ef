/**
 * events.k8s.io/v1 Event <-> the stored core/v1 Event, as Kubernetes'
 * pkg/apis/events/v1/conversion.go converts (through the internal form, which
 * is core's): the fields both have keep their names (eventTime, series,
 * reportingInstance, action, reason, related, type); the others are renamed:
 *
 * | events.k8s.io/v1           | core/v1              |
 * | -------------------------- | -------------------- |
 * | regarding                  | involvedObject       |
 * | note                       | message              |
 * | reportingController        | reportingComponent   |
 * | deprecatedSource           | source               |
 * | deprecatedFirstTimestamp   | firstTimestamp       |
 * | deprecatedLastTimestamp    | lastTimestamp        |
 * | deprecatedCount            | count                |
 *
 * `regarding` and `involvedObject` are structs in Go, never absent: `{}` when
 * unset. Pure functions on plain JSON.
 */
import type { Obj } from '../definition.js';

const SAME = ['eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'] as const;

/** [events.k8s.io/v1 field, core/v1 field], in the v1 type's field order after `SAME`'s. */
const RENAMED: ReadonlyArray<readonly [string, string]> = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

const clone = <T>(v: T): T => structuredClone(v);

function copy(from: Obj, to: Obj, fromKey: string, toKey: string): void {
  if (from[fromKey] !== undefined) to[toKey] = clone(from[fromKey]);
}

/** A stored core/v1 Event as events.k8s.io/v1 shows it. */
export function eventToV1(core: Obj): Obj {
  const out: Obj = { kind: 'Event', apiVersion: 'events.k8s.io/v1' };
  copy(core, out, 'metadata', 'metadata');
  // Kubernetes' field order: eventTime, series, reportingController, reportingInstance, action, reason, regarding, related, note, type, deprecated*.
  copy(core, out, 'eventTime', 'eventTime');
  copy(core, out, 'series', 'series');
  copy(core, out, 'reportingComponent', 'reportingController');
  for (const f of ['reportingInstance', 'action', 'reason'] as const) copy(core, out, f, f);
  out['regarding'] = clone(core['involvedObject'] ?? {});
  copy(core, out, 'related', 'related');
  copy(core, out, 'message', 'note');
  copy(core, out, 'type', 'type');
  for (const [v1, c] of RENAMED.slice(3)) copy(core, out, c, v1);
  return out;
}

/** An events.k8s.io/v1 Event (a decoded body, a patched view) as core/v1 stores it. */
export function eventFromV1(v1: Obj): Obj {
  const out: Obj = { kind: 'Event', apiVersion: 'v1' };
  copy(v1, out, 'metadata', 'metadata');
  out['involvedObject'] = clone(v1['regarding'] ?? {});
  for (const f of SAME) copy(v1, out, f, f);
  for (const [v1Key, c] of RENAMED.slice(1)) copy(v1, out, v1Key, c);
  return out;
}
