/**
 * Building blocks for the API schemas. Every schema is an inline TypeBox
 * (JSON Schema) object: no `$ref`, so the decoder, the defaulter and the
 * strategic-merge-patch code can walk `type`, `properties`, `items` and
 * `additionalProperties` directly. Kubernetes' OpenAPI vocabulary rides along
 * as plain keys:
 *
 * - `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` (strategic merge patch),
 * - `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` / `x-kubernetes-map-type`,
 * - `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields`.
 *
 * Two mk8s-only keys exist for our own tooling and are stripped from published OpenAPI:
 * `x-mk8s-definition` names the Kubernetes definition a subtree stands for (the OpenAPI
 * builder hoists it into `definitions` / `components.schemas`), and `x-mk8s-quantity` marks a
 * resource quantity (a string on the wire; the decoder also accepts a JSON number).
 */
import { Type } from '@sinclair/typebox';
import type { ObjectOptions, Static, TObject, TProperties, TSchema, TUnsafe, StringOptions, TArray } from '@sinclair/typebox';

export const DEFINITION_KEY = 'x-mk8s-definition';
export const QUANTITY_KEY = 'x-mk8s-quantity';
export const PATCH_STRATEGY = 'x-kubernetes-patch-strategy';
export const PATCH_MERGE_KEY = 'x-kubernetes-patch-merge-key';
export const LIST_TYPE = 'x-kubernetes-list-type';
export const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';
export const MAP_TYPE = 'x-kubernetes-map-type';
export const INT_OR_STRING = 'x-kubernetes-int-or-string';
export const PRESERVE_UNKNOWN = 'x-kubernetes-preserve-unknown-fields';

/** Kubernetes definition name prefixes. */
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const CORE = 'io.k8s.api.core.v1.';

/** An object schema standing for the Kubernetes definition `definition` (e.g. `io.k8s.api.core.v1.Container`). */
export function def<P extends TProperties>(definition: string, properties: P, options: ObjectOptions = {}): TObject<P> {
  return Type.Object(properties, { ...options, [DEFINITION_KEY]: definition });
}

/** An anonymous object schema (no definition of its own). */
export function obj<P extends TProperties>(properties: P, options: ObjectOptions = {}): TObject<P> {
  return Type.Object(properties, options);
}

/** Optional property: almost every Kubernetes field is optional on the wire. */
export function opt<T extends TSchema>(schema: T) {
  return Type.Optional(schema);
}

export const str = (options: StringOptions = {}) => Type.String(options);
export const int32 = () => Type.Integer({ format: 'int32' });
export const int64 = () => Type.Integer({ format: 'int64' });
export const bool = () => Type.Boolean();
export const double = () => Type.Number({ format: 'double' });

/** `metav1.Time`: RFC 3339 timestamp, second precision. */
export const time = () => Type.Unsafe<string>({ type: 'string', format: 'date-time', [DEFINITION_KEY]: `${META}Time` });
/** `metav1.MicroTime`: RFC 3339 timestamp, microsecond precision. */
export const microTime = () => Type.Unsafe<string>({ type: 'string', format: 'date-time', [DEFINITION_KEY]: `${META}MicroTime` });

/**
 * A resource quantity (`"100m"`, `"64Mi"`, `2`). After decoding it is always a string: a JSON
 * number is accepted and turned into its decimal string, as Kubernetes accepts `cpu: 1`.
 */
export const quantity = () =>
  Type.Unsafe<string>({
    anyOf: [{ type: 'string' }, { type: 'number' }],
    [QUANTITY_KEY]: true,
    [DEFINITION_KEY]: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  });

/** An int-or-string (`targetPort: 8080` or `targetPort: http`, `maxSurge: 25%`). */
export const intOrString = () =>
  Type.Unsafe<number | string>({
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    [INT_OR_STRING]: true,
    [DEFINITION_KEY]: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  });

/** Base64 bytes (`[]byte` in Go): a string on the wire that must be valid base64. */
export const bytes = () => Type.String({ format: 'byte' });

/** A map with string keys: JSON Schema `additionalProperties`, TypeScript `Record<string, V>`. */
export function mapOf<T extends TSchema>(value: T, options: Record<string, unknown> = {}): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}

/** `map[string]string` (labels, annotations, data, nodeSelector, selector). */
export const stringMap = (options: Record<string, unknown> = {}) => mapOf(Type.String(), options);

/** A subtree kept as sent: unknown fields are neither dropped nor reported. */
export function preserved(definition?: string): TUnsafe<Record<string, unknown>> {
  const schema: Record<string, unknown> = { type: 'object', [PRESERVE_UNKNOWN]: true };
  if (definition) schema[DEFINITION_KEY] = definition;
  return Type.Unsafe<Record<string, unknown>>(schema);
}

/** Any JSON value (table cells). */
export const anyValue = () => Type.Unknown();

/** A list replaced as a whole by merges (`+listType=atomic`). */
export function atomicList<T extends TSchema>(items: T): TArray<T> {
  return Type.Array(items, { [LIST_TYPE]: 'atomic' });
}

/** A list of unique scalars (`+listType=set`); `merge` adds strategic-merge `patchStrategy=merge`. */
export function setList<T extends TSchema>(items: T, merge = false): TArray<T> {
  return Type.Array(items, merge ? { [LIST_TYPE]: 'set', [PATCH_STRATEGY]: 'merge' } : { [LIST_TYPE]: 'set' });
}

/**
 * A list of objects keyed by `mapKeys` (`+listType=map`), merged by strategic merge patch on
 * `mergeKey` (`patchStrategy=merge`, or `strategy` such as `merge,retainKeys`). Pass
 * `mergeKey: undefined` for a keyed list that strategic merge patch replaces.
 */
export function mapList<T extends TSchema>(
  items: T,
  opts: { mergeKey?: string | undefined; mapKeys?: string[] | undefined; strategy?: string; listType?: 'map' | 'atomic' },
): TArray<T> {
  const options: Record<string, unknown> = {};
  if (opts.mergeKey !== undefined) {
    options[PATCH_STRATEGY] = opts.strategy ?? 'merge';
    options[PATCH_MERGE_KEY] = opts.mergeKey;
  }
  const listType = opts.listType ?? (opts.mapKeys ? 'map' : undefined);
  if (listType) options[LIST_TYPE] = listType;
  if (listType === 'map' && opts.mapKeys) options[LIST_MAP_KEYS] = opts.mapKeys;
  return Type.Array(items, options);
}

/** `apiVersion` and `kind`, present on every top-level kind. */
export const typeMeta = () => ({ apiVersion: opt(str()), kind: opt(str()) });
