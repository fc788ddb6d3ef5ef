/**
 * Decoding: the first step the API server runs on every request body, before defaulting and
 * validation. It plays the part of Kubernetes' typed JSON decoding plus unknown-field pruning:
 *
 * - the result is a pruned deep copy; the input is never mutated;
 * - fields the schema does not know are dropped and listed in `unknownFields` (Kubernetes
 *   notation, `spec.containers[0].imagee`) so the server can warn or, with
 *   `fieldValidation=Strict`, reject; subtrees marked `x-kubernetes-preserve-unknown-fields`
 *   keep what they do not know;
 * - `null` for a field means the field is absent, as Go's decoder treats it;
 * - a value of the wrong JSON type is a `FieldValueTypeInvalid` error and the field is dropped;
 * - a JSON number where a quantity is expected becomes its string (`cpu: 1` -> `"1"`), and
 *   int-or-string fields take either.
 *
 * Semantic checks (names, ranges, required fields) are validation's job, not this one's.
 */
import type { TSchema } from '@sinclair/typebox';
import { fieldErrors, fieldPath } from './field-errors.js';
import type { FieldError } from './field-errors.js';
import { INT_OR_STRING, PRESERVE_UNKNOWN, QUANTITY_KEY } from './schemas/schema-kit.js';

export interface DecodeResult {
  /** The decoded, pruned copy; `{}` when the input was not an object. */
  object: Record<string, unknown>;
  /** Paths of dropped unknown fields, in input order. */
  unknownFields: string[];
  /** Type errors; when non-empty the request is to be rejected (422 Invalid). */
  errors: FieldError[];
}

type SchemaNode = Record<string, unknown>;

interface Context {
  unknownFields: string[];
  errors: FieldError[];
}

/** Marks "no value": the field is left out of the result. */
const ABSENT = Symbol('absent');

export function decodeObject(schema: TSchema, input: unknown): DecodeResult {
  const ctx: Context = { unknownFields: [], errors: [] };
  if (!isPlainObject(input)) {
    ctx.errors.push(fieldErrors.typeInvalid('', input, 'body must be of type object'));
    return { object: {}, ...ctx };
  }
  const decoded = decodeValue(schema as SchemaNode, input, '', ctx);
  return { object: isPlainObject(decoded) ? decoded : {}, ...ctx };
}

function decodeValue(schema: SchemaNode, value: unknown, path: string, ctx: Context): unknown {
  if (value === null || value === undefined) return ABSENT;

  if (schema[QUANTITY_KEY] === true) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return typeError(value, path, 'string or number', ctx);
  }
  if (schema[INT_OR_STRING] === true) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))) return value;
    return typeError(value, path, 'integer or string', ctx);
  }

  switch (schema['type']) {
    case 'string':
      if (typeof value !== 'string') return typeError(value, path, 'string', ctx);
      if (schema['format'] === 'byte' && !isBase64(value)) {
        ctx.errors.push(fieldErrors.typeInvalid(path, '<value omitted>', 'illegal base64 data'));
        return ABSENT;
      }
      return value;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : typeError(value, path, 'integer', ctx);
    case 'number':
      return typeof value === 'number' ? value : typeError(value, path, 'number', ctx);
    case 'boolean':
      return typeof value === 'boolean' ? value : typeError(value, path, 'boolean', ctx);
    case 'array':
      return decodeArray(schema, value, path, ctx);
    case 'object':
      return decodeMap(schema, value, path, ctx);
    default:
      // No declared type: any JSON value (table cells, raw extensions).
      return cloneJson(value);
  }
}

function decodeArray(schema: SchemaNode, value: unknown, path: string, ctx: Context): unknown {
  if (!Array.isArray(value)) return typeError(value, path, 'array', ctx);
  const items = schema['items'] as SchemaNode | undefined;
  const out: unknown[] = [];
  value.forEach((item, i) => {
    const itemPath = fieldPath.index(path, i);
    if (!items || isUntyped(items)) {
      out.push(cloneJson(item));
      return;
    }
    if (item === null) {
      // Unlike an absent field, a null list element has no meaning of its own.
      typeError(item, itemPath, describeType(items), ctx);
      return;
    }
    const decoded = decodeValue(items, item, itemPath, ctx);
    if (decoded !== ABSENT) out.push(decoded);
  });
  return out;
}

function decodeMap(schema: SchemaNode, value: unknown, path: string, ctx: Context): unknown {
  if (!isPlainObject(value)) return typeError(value, path, 'object', ctx);
  const properties = (schema['properties'] ?? {}) as Record<string, SchemaNode>;
  const additional = mapValueSchema(schema);
  const preserve = schema[PRESERVE_UNKNOWN] === true;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const known = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
    if (known) {
      const decoded = decodeValue(known, child, fieldPath.child(path, key), ctx);
      if (decoded !== ABSENT) out[key] = decoded;
    } else if (additional) {
      const decoded = decodeValue(additional, child, fieldPath.key(path, key), ctx);
      if (decoded !== ABSENT) out[key] = decoded;
    } else if (preserve) {
      if (child !== undefined) out[key] = cloneJson(child);
    } else {
      ctx.unknownFields.push(fieldPath.child(path, key));
    }
  }
  return out;
}

/** The schema of a map's values: `additionalProperties`, or TypeBox's catch-all `patternProperties`. */
function mapValueSchema(schema: SchemaNode): SchemaNode | undefined {
  const additional = schema['additionalProperties'];
  if (typeof additional === 'object' && additional !== null) return additional as SchemaNode;
  if (additional === true) return {};
  const patterns = schema['patternProperties'] as Record<string, SchemaNode> | undefined;
  if (patterns) return Object.values(patterns)[0];
  return undefined;
}

function typeError(value: unknown, path: string, expected: string, ctx: Context): typeof ABSENT {
  const subject = path === '' ? 'body' : `${path} in body`;
  ctx.errors.push(fieldErrors.typeInvalid(path, value, `${subject} must be of type ${expected}`));
  return ABSENT;
}

/** A schema that accepts any JSON value. */
function isUntyped(schema: SchemaNode): boolean {
  return schema['type'] === undefined && schema[QUANTITY_KEY] !== true && schema[INT_OR_STRING] !== true;
}

function describeType(schema: SchemaNode): string {
  if (schema[QUANTITY_KEY] === true) return 'string or number';
  if (schema[INT_OR_STRING] === true) return 'integer or string';
  return typeof schema['type'] === 'string' ? schema['type'] : 'value';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, as Go's `encoding/json` decodes `[]byte`. */
function isBase64(value: string): boolean {
  return BASE64.test(value);
}

/** Deep copy of a JSON value; `undefined` members are left out as JSON would. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : cloneJson(v))) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = cloneJson(v);
    return out as T;
  }
  return value;
}
