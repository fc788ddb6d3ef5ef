/**
 * pods/binding: the target must be a Node with a name. Kubernetes validates nothing
 * else on a Binding (the registry checks the name matches the pod).
 */
import { fieldErrors, type FieldError } from '../field-errors.js';
import { obj, str, type JsonObject } from './json.js';

export function validateBinding(binding: JsonObject): FieldError[] {
  const target = obj(binding['target']);
  const errs: FieldError[] = [];
  const kind = str(target['kind']) ?? '';
  if (kind !== '' && kind !== 'Node') errs.push(fieldErrors.notSupported('target.kind', kind, ['Node', '<empty>']));
  if ((str(target['name']) ?? '') === '') errs.push(fieldErrors.required('target.name'));
  return errs;
}
