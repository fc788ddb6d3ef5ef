/**
 * Field errors: what validation reports, one per problem, with the path of the
 * offending field in Kubernetes' notation (`spec.containers[0].ports[1].containerPort`,
 * `metadata.labels[app.kubernetes.io/name]`). The API server turns a list of
 * them into a 422 `Status` whose `details.causes` are `{reason: type, message,
 * field}`, and whose message is `<Kind> "<name>" is invalid: <field>: <message>, ...`.
 */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid';

export interface FieldError {
  type: FieldErrorType;
  /** Path of the field, e.g. `spec.containers[0].image`. */
  field: string;
  /** What is wrong, in Kubernetes' wording, e.g. `Required value` or `Invalid value: "a_b": ...`. */
  message: string;
}

/**
 * Renders a value the way Kubernetes quotes it in messages (strings quoted, others as JSON).
 * Numbers JSON cannot write (Infinity, NaN) are shown as they are rather than as `null`.
 */
function quote(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

export const fieldErrors = {
  required(field: string, detail?: string): FieldError {
    return { type: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
  },
  invalid(field: string, value: unknown, detail: string): FieldError {
    return { type: 'FieldValueInvalid', field, message: `Invalid value: ${quote(value)}: ${detail}` };
  },
  notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    return { type: 'FieldValueNotSupported', field, message: `Unsupported value: ${quote(value)}: supported values: ${list}` };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${quote(value)}` };
  },
  forbidden(field: string, detail: string): FieldError {
    return { type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
  },
  tooLong(field: string, maxLength: number): FieldError {
    return { type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${maxLength} bytes` };
  },
  tooMany(field: string, max: number): FieldError {
    return { type: 'FieldValueTooMany', field, message: `Too many: must have at most ${max} items` };
  },
  typeInvalid(field: string, value: unknown, detail: string): FieldError {
    return { type: 'FieldValueTypeInvalid', field, message: `Invalid value: ${quote(value)}: ${detail}` };
  },
};

/** `spec.containers[0].image: Required value` */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${e.message}`;
}

/** Joins a parent path and a child: `child('spec', 'containers')`, `index('spec.containers', 0)`, `key('metadata.labels', 'app')`. */
export const fieldPath = {
  child: (parent: string, name: string): string => (parent ? `${parent}.${name}` : name),
  index: (parent: string, i: number): string => `${parent}[${i}]`,
  key: (parent: string, k: string): string => `${parent}[${k}]`,
};
