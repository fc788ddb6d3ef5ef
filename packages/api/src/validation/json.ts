/**
 * Narrowing helpers for validating plain JSON objects. Validation runs on decoded JSON
 * whose shape was already checked by the schemas; a value of the wrong type is treated
 * as absent here, never thrown on.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The object at `value`, or `{}` when absent or not an object. */
export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** The array at `value`, or `[]`. */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string-valued map (labels, selectors, data) with its keys sorted for stable error order. */
export function stringMap(value: unknown): [string, string][] {
  if (!isObject(value)) return [];
  return Object.entries(value)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether the key is present with a non-null value. */
export function has(o: JsonObject, key: string): boolean {
  return Object.hasOwn(o, key) && o[key] !== undefined && o[key] !== null;
}

/** The zero value of any JSON type, which Kubernetes' Go structs cannot tell from "absent". */
function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.values(value).every(isZero);
  return false;
}

/**
 * Kubernetes' semantic equality on JSON: a missing field equals its zero value
 * (`[]`, `{}`, `""`, `0`, `false`, `null`), otherwise a deep comparison.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isZero(a) && isZero(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => semanticEqual(v, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    // Own members only: a key missing on one side is its zero value, never an inherited member.
    for (const k of keys) if (!semanticEqual(Object.hasOwn(a, k) ? a[k] : undefined, Object.hasOwn(b, k) ? b[k] : undefined)) return false;
    return true;
  }
  return a === b;
}
