/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` PATCH type
 * and what `kubectl patch --type=merge` sends.
 */
import { cloneJson, getOwn, isJsonObject, setOwn } from './json-value.js';
import type { JsonObject } from './json-value.js';

/**
 * Applies `patch` to `doc` and returns the result; `doc` and `patch` are not
 * modified and the result shares no objects with either.
 *
 * Rules: a patch that is not an object replaces the target wholesale; an
 * object patch turns a non-object target into `{}` first, then each member
 * with value `null` deletes that key and every other member is merged
 * recursively. Arrays are never merged: they replace.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) {
    return cloneJson(patch);
  }
  const target: JsonObject = isJsonObject(doc) ? cloneJson(doc) : {};
  mergeInto(target, patch);
  return target;
}

/** Merges an object patch into `target`, which the caller owns. */
function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
      continue;
    }
    if (!isJsonObject(value)) {
      setOwn(target, key, cloneJson(value));
      continue;
    }
    const current = getOwn(target, key);
    const child: JsonObject = isJsonObject(current) ? current : {};
    mergeInto(child, value);
    setOwn(target, key, child);
  }
}
