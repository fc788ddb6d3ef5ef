/** autoscaling/v1 Scale (the scale subresource): a valid name and spec.replicas >= 0. */
import type { FieldError } from '../field-errors.js';
import { validateNonnegative } from './common.js';
import { num, obj, type JsonObject } from './json.js';
import { validateObjectMeta } from './object-meta.js';

export function validateScale(scale: JsonObject, namespaced = true): FieldError[] {
  return [...validateObjectMeta(scale['metadata'], { namespaced }), ...validateNonnegative(num(obj(scale['spec'])['replicas']), 'spec.replicas')];
}
