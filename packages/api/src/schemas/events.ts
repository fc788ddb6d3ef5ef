/**
 * events.k8s.io/v1 Event: the same objects as core/v1 Events (one storage),
 * with Kubernetes' newer field names (`regarding`, `note`,
 * `reportingController`, `deprecated*` for the core-only fields). The API
 * server converts between the two (resources/events-v1/convert.ts).
 */
import type { Static } from '@sinclair/typebox';
import { EventSourceSchema, ObjectReferenceSchema } from './core.js';
import { ObjectMetaSchema } from './meta.js';
import { def, int32, microTime, opt, str, time, typeMeta } from './schema-kit.js';

const EVENTS_V1 = 'io.k8s.api.events.v1.';

export const EventSeriesV1Schema = def(`${EVENTS_V1}EventSeries`, { count: int32(), lastObservedTime: microTime() });
export type EventSeriesV1 = Static<typeof EventSeriesV1Schema>;

export const EventV1Schema = def(`${EVENTS_V1}Event`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  eventTime: opt(microTime()),
  series: opt(EventSeriesV1Schema),
  reportingController: opt(str()),
  reportingInstance: opt(str()),
  action: opt(str()),
  reason: opt(str()),
  regarding: opt(ObjectReferenceSchema),
  related: opt(ObjectReferenceSchema),
  note: opt(str()),
  type: opt(str()),
  deprecatedSource: opt(EventSourceSchema),
  deprecatedFirstTimestamp: opt(time()),
  deprecatedLastTimestamp: opt(time()),
  deprecatedCount: opt(int32()),
});
export type EventV1 = Static<typeof EventV1Schema>;
