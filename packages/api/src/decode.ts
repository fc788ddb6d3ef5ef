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
 *   int-or-string fields take either;
 * - numbers must fit the Go type behind the field, as Go's decoder requires: `int32` fields
 *   (and the int half of int-or-string) take [-2^31, 2^31-1], `int64` fields take safe
 *   integers only (see `checkInteger`), and no number may be infinite (`1e999` parses to
 *   Infinity in JavaScript, which JSON cannot even write back). A violation is a
 *   `FieldValueTypeInvalid` error worded like Go's: `json: cannot unmarshal number 2147483648
 *   into Go struct field DeploymentSpec.spec.replicas of type int32`;
 * - map keys are copied as own properties, so `__proto__`, `constructor` or `prototype` are
 *   kept as the plain data they are (see own.ts).
 *
 * Semantic checks (names, ranges, required fields) are validation's job, not this one's.
 */
import type { TSchema } from '@sinclair/typebox';
import { fieldErrors, fieldPath } from './field-errors.js';
import type { FieldError } from './field-errors.js';
import { setOwn } from './own.js';
import { DEFINITION_KEY, INT_OR_STRING, PRESERVE_UNKNOWN, QUANTITY_KEY } from './schemas/schema-kit.js';

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

/**
 * Where a value sits as Go's decoder names it in errors: the innermost Go struct holding the
 * field (`DeploymentSpec`) and the dotted JSON names from the root (`spec.replicas`); list
 * indexes and map keys are not part of it.
 */
interface GoField {
  struct: string;
  field: string;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Go's int64 range: 2^63 is exact as a double, so `>= INT64_LIMIT` is out of range. */
const INT64_LIMIT = 2 ** 63;

/** Marks "no value": the field is left out of the result. */
const ABSENT = Symbol('absent');

export function decodeObject(schema: TSchema, input: unknown): DecodeResult {
  const ctx: Context = { unknownFields: [], errors: [] };
  if (!isPlainObject(input)) {
    ctx.errors.push(fieldErrors.typeInvalid('', input, 'body must be of type object'));
    return { object: {}, ...ctx };
  }
  const decoded = decodeValue(schema as SchemaNode, input, '', ctx, { struct: goStruct(schema as SchemaNode, ''), field: '' });
  return { object: isPlainObject(decoded) ? decoded : {}, ...ctx };
}

function decodeValue(schema: SchemaNode, value: unknown, path: string, ctx: Context, go: GoField): unknown {
  if (value === null || value === undefined) return ABSENT;

  if (schema[QUANTITY_KEY] === true) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'number') return rangeError(value, path, go, 'resource.Quantity', ctx);
    return typeError(value, path, 'string or number', ctx);
  }
  if (schema[INT_OR_STRING] === true) {
    if (typeof value === 'string') return value;
    // Kubernetes' IntOrString holds an int32.
    if (typeof value === 'number' && Number.isInteger(value)) return checkInteger(value, 'int32', path, go, ctx);
    if (typeof value === 'number' && !Number.isFinite(value)) return rangeError(value, path, go, 'int32', ctx);
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
    case 'integer': {
      const goType = schema['format'] === 'int32' ? 'int32' : 'int64';
      if (typeof value === 'number' && !Number.isFinite(value)) return rangeError(value, path, go, goType, ctx);
      if (typeof value !== 'number' || !Number.isInteger(value)) return typeError(value, path, 'integer', ctx);
      return checkInteger(value, goType, path, go, ctx);
    }
    case 'number':
      if (typeof value !== 'number') return typeError(value, path, 'number', ctx);
      return Number.isFinite(value) ? value : rangeError(value, path, go, 'float64', ctx);
    case 'boolean':
      return typeof value === 'boolean' ? value : typeError(value, path, 'boolean', ctx);
    case 'array':
      return decodeArray(schema, value, path, ctx, go);
    case 'object':
      return decodeMap(schema, value, path, ctx, go);
    default:
      // No declared type: any JSON value (table cells, raw extensions).
      return decodeAny(value, path, ctx, go);
  }
}

/**
 * Range check of an integer for its Go type. int32: [-2^31, 2^31-1], as Go's decoder checks.
 * int64: Go takes [-2^63, 2^63-1], but a JavaScript number holds integers exactly only up to
 * 2^53-1 (`Number.isSafeInteger`); beyond that `JSON.parse` has already rounded the value
 * (9007199254740993 arrives as 9007199254740992), so storing it would silently change what
 * the client sent. Such values are rejected with a message saying so rather than stored
 * rounded; values outside Go's int64 range get Go's own message.
 */
function checkInteger(value: number, goType: 'int32' | 'int64', path: string, go: GoField, ctx: Context): number | typeof ABSENT {
  if (goType === 'int32') {
    return value >= INT32_MIN && value <= INT32_MAX ? value : rangeError(value, path, go, 'int32', ctx);
  }
  if (Number.isSafeInteger(value)) return value;
  if (value >= INT64_LIMIT || value < -INT64_LIMIT) return rangeError(value, path, go, 'int64', ctx);
  const detail =
    `must be between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, inclusive ` +
    '(integers of larger magnitude cannot be represented exactly by this server)';
  ctx.errors.push(fieldErrors.typeInvalid(path, value, detail));
  return ABSENT;
}

/** A number that does not fit the field's Go type, in the words of Go's `json.UnmarshalTypeError`. */
function rangeError(value: number, path: string, go: GoField, goType: string, ctx: Context): typeof ABSENT {
  const target = go.struct && go.field ? `Go struct field ${go.struct}.${go.field}` : 'Go value';
  ctx.errors.push({
    type: 'FieldValueTypeInvalid',
    field: path,
    message: `json: cannot unmarshal number ${String(value)} into ${target} of type ${goType}`,
  });
  return ABSENT;
}

function decodeArray(schema: SchemaNode, value: unknown, path: string, ctx: Context, go: GoField): unknown {
  if (!Array.isArray(value)) return typeError(value, path, 'array', ctx);
  const items = schema['items'] as SchemaNode | undefined;
  const out: unknown[] = [];
  value.forEach((item, i) => {
    const itemPath = fieldPath.index(path, i);
    if (!items || isUntyped(items)) {
      const decoded = decodeAny(item, itemPath, ctx, go);
      if (decoded !== ABSENT) out.push(decoded);
      return;
    }
    if (item === null) {
      // Unlike an absent field, a null list element has no meaning of its own.
      typeError(item, itemPath, describeType(items), ctx);
      return;
    }
    const decoded = decodeValue(items, item, itemPath, ctx, go);
    if (decoded !== ABSENT) out.push(decoded);
  });
  return out;
}

function decodeMap(schema: SchemaNode, value: unknown, path: string, ctx: Context, go: GoField): unknown {
  if (!isPlainObject(value)) return typeError(value, path, 'object', ctx);
  const properties = (schema['properties'] ?? {}) as Record<string, SchemaNode>;
  const additional = mapValueSchema(schema);
  const preserve = schema[PRESERVE_UNKNOWN] === true;
  const struct = goStruct(schema, go.struct);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const known = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (known) {
      const childGo = { struct, field: go.field ? `${go.field}.${key}` : key };
      const decoded = decodeValue(known, child, fieldPath.child(path, key), ctx, childGo);
      if (decoded !== ABSENT) setOwn(out, key, decoded);
    } else if (additional) {
      // Go names a map entry's errors after the map field itself.
      const decoded = decodeValue(additional, child, fieldPath.key(path, key), ctx, go);
      if (decoded !== ABSENT) setOwn(out, key, decoded);
    } else if (preserve) {
      if (child === undefined) continue;
      const decoded = decodeAny(child, fieldPath.child(path, key), ctx, { struct, field: go.field ? `${go.field}.${key}` : key });
      if (decoded !== ABSENT) setOwn(out, key, decoded);
    } else {
      ctx.unknownFields.push(fieldPath.child(path, key));
    }
  }
  return out;
}

/**
 * A value of no declared type (Go `interface{}` / `RawExtension`): copied as is, except that a
 * number JSON.parse could only read as Infinity is rejected, as Go's decoder rejects it.
 */
function decodeAny(value: unknown, path: string, ctx: Context, go: GoField): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return rangeError(value, path, go, 'float64', ctx);
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => {
      if (item === undefined || item === null) return null;
      const decoded = decodeAny(item, fieldPath.index(path, i), ctx, go);
      return decoded === ABSENT ? null : decoded;
    });
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const decoded = decodeAny(child, fieldPath.child(path, key), ctx, go);
      if (decoded !== ABSENT) setOwn(out, key, decoded);
    }
    return out;
  }
  return value;
}

/** The Go struct name a schema stands for (`io.k8s.api.apps.v1.DeploymentSpec` -> `DeploymentSpec`), else `fallback`. */
function goStruct(schema: SchemaNode, fallback: string): string {
  const definition = schema[DEFINITION_KEY];
  if (typeof definition !== 'string' || definition === '') return fallback;
  return definition.slice(definition.lastIndexOf('.') + 1);
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

/**
 * Deep copy of a JSON value; `undefined` members are left out as JSON would. Keys such as
 * `__proto__` are copied as own data properties (see own.ts), never as a prototype.
 */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : cloneJson(v))) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) setOwn(out, k, cloneJson(v));
    return out as T;
  }
  return value;
}
