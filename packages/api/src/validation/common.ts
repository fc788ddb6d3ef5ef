/**
 * Field-level validators shared by the per-kind files: each turns one Kubernetes rule
 * into `FieldError`s at the given path, with Kubernetes' wording.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { parseQuantity, QuantityError, type Quantity } from '../quantity.js';
import { arr, isObject, obj, stringMap, str, semanticEqual } from './json.js';
import { byteLength, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidLabelValue, isValidPortName, isValidPortNum } from './names.js';

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE = 'must be greater than or equal to 0';
export const IS_NOT_POSITIVE = 'must be greater than 0';
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** One `Invalid` error per message. */
export function invalidEach(path: string, value: unknown, messages: readonly string[]): FieldError[] {
  return messages.map((m) => fieldErrors.invalid(path, value, m));
}

export function validateNonnegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [fieldErrors.invalid(path, value, IS_NEGATIVE)] : [];
}

export function validatePositive(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value <= 0 ? [fieldErrors.invalid(path, value, IS_NOT_POSITIVE)] : [];
}

export function validateDNS1123Label(value: string, path: string): FieldError[] {
  return invalidEach(path, value, isDNS1123Label(value));
}

export function validateDNS1123Subdomain(value: string, path: string): FieldError[] {
  return invalidEach(path, value, isDNS1123Subdomain(value));
}

export function validateQualifiedName(value: string, path: string): FieldError[] {
  return invalidEach(path, value, isQualifiedName(value));
}

export function validateIP(value: string, path: string): FieldError[] {
  return invalidEach(path, value, isValidIP(value));
}

/** Label keys and values; errors are reported on the map's path, as Kubernetes does. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of stringMap(labels)) {
    errs.push(...validateQualifiedName(k, path));
    errs.push(...invalidEach(path, v, isValidLabelValue(v)));
  }
  return errs;
}

/** Annotation keys are qualified names ignoring case; keys and values total at most 256 KiB. */
export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of stringMap(annotations)) {
    errs.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    total += byteLength(k) + byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldErrors.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** metav1 LabelSelector rules (matchLabels, matchExpressions operators/values/keys). */
export function validateLabelSelector(selector: unknown, path: string): FieldError[] {
  if (!isObject(selector)) return [];
  const errs = validateLabels(selector['matchLabels'], fieldPath.child(path, 'matchLabels'));
  arr(selector['matchExpressions']).forEach((raw, i) => {
    const expr = obj(raw);
    const p = fieldPath.index(fieldPath.child(path, 'matchExpressions'), i);
    const values = arr(expr['values']);
    const operator = expr['operator'];
    switch (operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(fieldErrors.required(fieldPath.child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(fieldErrors.forbidden(fieldPath.child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        }
        break;
      default:
        errs.push(fieldErrors.invalid(fieldPath.child(p, 'operator'), operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateQualifiedName(str(expr['key']) ?? '', fieldPath.child(p, 'key')));
    values.forEach((v, j) => {
      const value = str(v) ?? '';
      errs.push(...invalidEach(fieldPath.index(fieldPath.child(p, 'values'), j), value, isValidLabelValue(value)));
    });
  });
  return errs;
}

/** `Invalid value: <new>: field is immutable` unless old and new are semantically equal. */
export function validateImmutable(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  return semanticEqual(newValue, oldValue) ? [] : [fieldErrors.invalid(path, newValue ?? null, FIELD_IMMUTABLE)];
}

/** An int port (1-65535) or an IANA port name, as in targetPort and probe ports. */
export function validatePortNumOrName(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number') return invalidEach(path, value, isValidPortNum(value));
  if (typeof value === 'string') return invalidEach(path, value, isValidPortName(value));
  return [fieldErrors.invalid(path, value ?? null, 'must be an int or a string')];
}

/** A `Duplicate` error with Kubernetes' extra detail appended. */
export function duplicateWithDetail(path: string, value: unknown, detail: string): FieldError {
  const e = fieldErrors.duplicate(path, value);
  return { ...e, message: `${e.message}: ${detail}` };
}

/** A reference to a name that does not exist (Kubernetes reports NotFound; we use Invalid). */
export function notFound(path: string, value: string, what: string): FieldError {
  return fieldErrors.invalid(path, value, `not found: must be the name of ${what}`);
}

/** Parses a quantity field; a malformed one yields an error at `path` with Kubernetes' message. */
export function quantityAt(value: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') {
    errs.push(fieldErrors.invalid(path, value ?? null, 'must be a quantity'));
    return undefined;
  }
  try {
    return parseQuantity(value);
  } catch (e) {
    if (e instanceof QuantityError) {
      errs.push(fieldErrors.invalid(path, value, e.message));
      return undefined;
    }
    throw e;
  }
}

/** Renders a Go `[]string` the way `%#v` does, for messages that embed one. */
export function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}
