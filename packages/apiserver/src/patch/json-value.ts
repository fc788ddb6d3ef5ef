/**
 * Small helpers for plain JSON values (what `JSON.parse` returns). Every
 * function here treats its inputs as read-only.
 */

export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets `key` on `target` as an own, enumerable property. A plain assignment
 * of `__proto__` would change the object's prototype instead, which a patch
 * body must never be able to do.
 */
export function setOwn(target: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** The own property `key` of `obj`, never anything inherited from a prototype. */
export function getOwn(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A deep copy of a JSON value; shares nothing with its input. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map((item: unknown) => cloneJson(item)) as T;
  }
  if (isJsonObject(value)) {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      setOwn(copy, key, cloneJson(item));
    }
    return copy as T;
  }
  return value;
}
