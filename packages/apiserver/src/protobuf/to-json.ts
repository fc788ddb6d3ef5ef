import protobuf from 'protobufjs';
import type { FieldBase, MapField, Message, Type } from 'protobufjs';
import { ProtobufDecodeError } from './errors.js';

/**
 * Converts a decoded protobufjs message into the object Kubernetes' JSON
 * serializer would produce for the same Go struct.
 *
 * Contract (what Go does, and why each rule exists):
 * - gogo-protobuf writes every non-pointer Go field, so the wire carries
 *   `""`, `0` and `false` for fields the client never set (kubectl sends
 *   `uid: ""`, `generation: 0`, `restartPolicy: ""`...). Go's JSON drops them
 *   (`omitempty`); so do we. Fields marked `(keep_zero)` are Go pointers (or
 *   have no `omitempty`): there a zero on the wire was set on purpose
 *   (`replicas: 0`, `automountServiceAccountToken: false`) and is kept.
 *   Fields absent from the wire are always omitted.
 * - A message present on the wire becomes an object, `{}` when empty
 *   (Go always writes value structs: `status: {}`, `strategy: {}`).
 * - Empty repeated fields and maps are omitted (the wire cannot tell an empty
 *   list from an absent one).
 * - `(inline)` fields are Go embedded structs: their fields are merged into
 *   the parent (`configMapRef: {name}`, not `{localObjectReference: {name}}`).
 * - Well-known apimachinery types take their JSON forms: Time -> RFC 3339
 *   seconds, MicroTime -> RFC 3339 microseconds (a zero time, sent as an
 *   empty message, is omitted where Go writes null), Quantity -> its string,
 *   IntOrString -> number or string, FieldsV1/RawExtension -> embedded JSON,
 *   bytes -> base64, int64 -> number.
 */
export function messageToJson(type: Type, message: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const values = message as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray as FieldBase[]) {
    const raw = values[field.name];
    if (isMapField(field)) {
      const converted = convertMap(field, raw);
      if (converted) out[field.name] = converted;
    } else if (field.repeated) {
      if (Array.isArray(raw) && raw.length > 0) out[field.name] = raw.map((item) => convertValue(field, item));
    } else if (Object.hasOwn(values, field.name) && raw !== null && raw !== undefined) {
      const converted = convertValue(field, raw);
      if (converted === undefined) continue;
      if (field.options?.['(inline)'] === true && isPlainObject(converted)) {
        Object.assign(out, converted);
      } else if (field.options?.['(keep_zero)'] === true || !isZero(converted)) {
        out[field.name] = converted;
      }
    }
  }
  return out;
}

const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const FIELDS_V1 = `${META}.FieldsV1`;
const QUANTITY = '.k8s.io.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = '.k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const RAW_EXTENSION = '.k8s.io.apimachinery.pkg.runtime.RawExtension';

function isMapField(field: FieldBase): field is MapField {
  return (field as { map?: unknown }).map === true;
}

function convertMap(field: MapField, raw: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(raw)) return undefined;
  const keys = Object.keys(raw);
  if (keys.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  // Map values are kept even when zero: `data: {a: ""}` is a real entry.
  for (const key of keys) out[key] = convertValue(field, raw[key]);
  return out;
}

/** Converts one singular value (or one element/map value) of `field`. */
function convertValue(field: FieldBase, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved && 'fieldsArray' in resolved) {
    // A map entry without a value decodes to null; Go reads it as the zero struct.
    return convertMessage(resolved, (value ?? resolved.create()) as Message);
  }
  switch (field.type) {
    case 'bytes':
      return bytesToBase64(value);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return longToNumber(value, false);
    case 'uint64':
    case 'fixed64':
      return longToNumber(value, true);
    default:
      return value;
  }
}

function convertMessage(type: Type, message: Message): unknown {
  const values = message as unknown as Record<string, unknown>;
  switch (type.fullName) {
    case TIME:
      return has(values, 'seconds') ? formatTime(longToNumber(values.seconds, false), undefined) : undefined;
    case MICRO_TIME:
      return has(values, 'seconds') || has(values, 'nanos') ? formatTime(longToNumber(values.seconds ?? 0, false), Number(values.nanos ?? 0)) : undefined;
    case QUANTITY:
      return has(values, 'string') ? String(values.string) : '0';
    case INT_OR_STRING:
      // type 1 = String, anything else = Int (Go's intstr.Type).
      return longToNumber(values.type ?? 0, false) === 1 ? String(values.strVal ?? '') : Number(values.intVal ?? 0);
    case FIELDS_V1:
      return embeddedJson(values.Raw);
    case RAW_EXTENSION:
      return embeddedJson(values.raw);
    default:
      return messageToJson(type, message);
  }
}

function has(values: Record<string, unknown>, name: string): boolean {
  return Object.hasOwn(values, name) && values[name] !== null && values[name] !== undefined;
}

function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function longToNumber(value: unknown, unsigned: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  // protobufjs yields a Long when the `long` package is installed; precision
  // beyond 2^53 is lost, as it is in any JavaScript JSON client.
  return protobuf.util.LongBits.from(value as protobuf.Long).toNumber(unsigned);
}

function bytesToBase64(value: unknown): string {
  if (!(value instanceof Uint8Array)) return '';
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
}

/**
 * RFC 3339 in UTC: `2024-01-02T03:04:05Z` for Time (Go's Time has seconds
 * precision on the wire and in JSON), `2024-01-02T03:04:05.123456Z` for
 * MicroTime (nanos truncated to microseconds).
 */
function formatTime(seconds: number, nanos: number | undefined): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new ProtobufDecodeError(`timestamp out of range: ${seconds}s`);
  const base = date.toISOString().slice(0, 19);
  if (nanos === undefined) return `${base}Z`;
  const micros = Math.floor(Math.max(0, nanos) / 1000) % 1_000_000;
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

function embeddedJson(value: unknown): unknown {
  if (!(value instanceof Uint8Array) || value.byteLength === 0) return undefined;
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProtobufDecodeError('embedded raw object is not JSON', false, { cause: err });
  }
}
