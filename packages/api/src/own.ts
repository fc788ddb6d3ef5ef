/**
 * Own-property helpers for maps whose keys come from users (labels, annotations, ConfigMap
 * data, resource lists, ...). JSON allows any key, including `__proto__`, `constructor` and
 * `prototype`, and Kubernetes treats them as ordinary keys. Plain JavaScript does not:
 *
 * - `out[key] = value` with key `"__proto__"` calls the `Object.prototype.__proto__` setter,
 *   which changes `out`'s prototype (or does nothing) instead of storing the entry, so the
 *   entry is silently lost;
 * - `map[key]` and `key in map` see inherited members, so `map["constructor"]` is
 *   `Object` on a map that has no such entry.
 *
 * `setOwn` defines an own, enumerable data property whatever the key (never touching a
 * prototype); `getOwn` (like `Object.hasOwn`) reads own properties only.
 */

export type JsonMap = Record<string, unknown>;

/** Stores `value` under `key` as an own enumerable data property (`__proto__` included). */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** The own property `key` of `map`; `undefined` when absent (inherited members do not count). */
export function getOwn<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
