/**
 * Total readers for plain JSON objects as stored: a printer must print
 * something for any object, so a missing or ill-typed field reads as the
 * zero value of its type (Go's decoding of an absent field), never throws.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` below `obj`, or undefined. */
export function at(obj: unknown, ...path: string[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    if (!isObject(current) || !Object.hasOwn(current, key)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** An integer field; non-numbers read as 0 (or `fallback`). */
export function int(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : fallback;
}

export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

/** A list of objects; non-object items are skipped. */
export function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** A map of string values (labels, selectors); other values are skipped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(obj(value))) {
    if (typeof item === 'string') {
      out[key] = item;
    }
  }
  return out;
}

/** Number of keys of a map field (ConfigMap/Secret data). */
export function size(value: unknown): number {
  return isObject(value) ? Object.keys(value).length : 0;
}

/** A quantity as printed: quantities travel as strings, sometimes as numbers. */
export function quantity(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  return undefined;
}
