/**
 * Validation through a resource's definition: the kind's rules, or
 * metadata rules alone for a kind without any, with identical errors
 * reported once (several rules may find the same fault).
 */
import { validateObjectMeta, validateObjectMetaUpdate, type FieldError } from '@mk8s/api';
import type { Obj, ResourceDefinition } from './definition.js';

function unique(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const id = `${e.type}\u0000${e.field}\u0000${e.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const metaUpdate = (obj: Obj, old: Obj): FieldError[] => validateObjectMetaUpdate(obj['metadata'], old['metadata']);

/** Validates an object being created. */
export function validateCreate(definition: ResourceDefinition, obj: Obj): FieldError[] {
  const namespaced = definition.type.namespaced;
  const rules = definition.validation;
  return unique(rules ? rules.create(obj, { namespaced }) : validateObjectMeta(obj['metadata'], { namespaced }));
}

/** Validates a full update: the new object as on create, plus the kind's update rules against `old`. */
export function validateUpdate(definition: ResourceDefinition, obj: Obj, old: Obj): FieldError[] {
  const update = definition.validation?.update ?? metaUpdate;
  return unique([...update(obj, old), ...validateCreate(definition, obj)]);
}

/** Validates a write to the status subresource: metadata update rules plus the kind's status checks. */
export function validateStatus(definition: ResourceDefinition, obj: Obj, old: Obj): FieldError[] {
  const status = definition.validation?.status ?? metaUpdate;
  return unique(status(obj, old));
}
