/** v1 Event (PUT creates; expired by the event TTL reaper, registry/event-ttl.ts). */
import { validateEvent, validateObjectMeta, validateObjectMetaUpdate, type Event } from '@mk8s/api';
import { builtinType, defineResource, fieldText } from '../definition.js';
import { eventPrinter } from './printer.js';

const INVOLVED = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

export const events = defineResource<Event>({
  type: builtinType('', 'v1', 'events'),
  strategy: { allowCreateOnUpdate: true },
  validation: {
    // Event names are path segments (`pod.17a0b...`), not DNS subdomains.
    create: (ev, { namespaced }) => [...validateEvent(ev), ...validateObjectMeta(ev.metadata, { namespaced, nameRule: 'path-segment' })],
    update: (ev, old) => validateObjectMetaUpdate(ev.metadata, old.metadata),
  },
  fields: {
    labels: [...INVOLVED.map((f) => `involvedObject.${f}`), 'reason', 'reportingComponent', 'source', 'type'],
    of(ev) {
      const fields: Record<string, string> = {};
      for (const f of INVOLVED) fields[`involvedObject.${f}`] = fieldText(ev, 'involvedObject', f);
      fields['reason'] = fieldText(ev, 'reason');
      fields['reportingComponent'] = fieldText(ev, 'reportingComponent');
      fields['source'] = fieldText(ev, 'source', 'component') || fieldText(ev, 'reportingComponent');
      fields['type'] = fieldText(ev, 'type');
      return fields;
    },
  },
  printer: eventPrinter,
});
