/**
 * events.k8s.io/v1 Event: the core/v1 Events (same storage, strategy and
 * validation) through Kubernetes' conversion (convert.ts), with the field
 * labels Kubernetes' events.k8s.io/v1 accepts (pkg/apis/events/v1/conversion.go).
 */
import { builtinType, fieldText, servedVersion, type Obj } from '../definition.js';
import { events } from '../events/index.js';
import { eventFromV1, eventToV1 } from './convert.js';

const REGARDING = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

export const eventsV1 = servedVersion(events, {
  type: builtinType('events.k8s.io', 'v1', 'events'),
  conversion: { toStorage: eventFromV1, fromStorage: eventToV1 },
  fields: {
    labels: [...REGARDING.map((f) => `regarding.${f}`), 'reason', 'reportingController', 'source', 'type'],
    of(ev: Obj) {
      const fields: Record<string, string> = {};
      for (const f of REGARDING) fields[`regarding.${f}`] = fieldText(ev, 'regarding', f);
      fields['reason'] = fieldText(ev, 'reason');
      fields['reportingController'] = fieldText(ev, 'reportingController');
      // As core/v1's `source` (the field is deprecatedSource here): the source component, else the reporting controller.
      fields['source'] = fieldText(ev, 'deprecatedSource', 'component') || fieldText(ev, 'reportingController');
      fields['type'] = fieldText(ev, 'type');
      return fields;
    },
  },
});
