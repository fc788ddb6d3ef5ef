/**
 * core/v1 Events, validated as Kubernetes does for that version: the involved object's
 * namespace must agree with the event's, and "new style" events (eventTime set) also
 * need reportingComponent, reportingInstance, action and reason within length limits.
 * Metadata gets the generic path-segment name rule (see index.ts).
 */
import { fieldErrors, type FieldError } from '../field-errors.js';
import { invalidEach, validateQualifiedName } from './common.js';
import { has, obj, str, type JsonObject } from './json.js';
import { byteLength, isDNS1123Subdomain } from './names.js';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

export function validateEvent(event: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = str(obj(event['metadata'])['namespace']) ?? '';
  const involvedNamespace = str(obj(event['involvedObject'])['namespace']) ?? '';
  const mismatch = (): FieldError => fieldErrors.invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace');

  if (!has(event, 'eventTime')) {
    if (involvedNamespace === '') {
      if (namespace !== '' && namespace !== 'default') errs.push(mismatch());
    } else if (namespace !== involvedNamespace) {
      errs.push(mismatch());
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') errs.push(mismatch());
    const reporting = str(event['reportingComponent']) ?? '';
    if (reporting === '') errs.push(fieldErrors.required('reportingComponent'));
    errs.push(...validateQualifiedName(reporting, 'reportingComponent'));
    const limited: [string, number, boolean][] = [
      ['reportingInstance', REPORTING_INSTANCE_LIMIT, true],
      ['action', ACTION_LIMIT, true],
      ['reason', REASON_LIMIT, true],
      ['message', NOTE_LIMIT, false],
    ];
    for (const [field, limit, required] of limited) {
      const value = str(event[field]) ?? '';
      if (required && value === '') errs.push(fieldErrors.required(field));
      if (byteLength(value) > limit) errs.push(fieldErrors.invalid(field, '', `can have at most ${limit} characters`));
    }
  }
  errs.push(...invalidEach('namespace', namespace, isDNS1123Subdomain(namespace)));
  return errs;
}
