/**
 * JSON patch (RFC 6902), the `application/json-patch+json` PATCH type and
 * what `kubectl patch --type=json` sends. Applying is delegated to
 * fast-json-patch; this module decides what is a malformed patch (400) and
 * what is a patch that does not apply to the document (422), the same split
 * kube-apiserver makes.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { PatchError } from './errors.js';
import { cloneJson, isJsonObject } from './json-value.js';

/**
 * Applies the operations in `patch` to a copy of `doc` and returns the new
 * document; `doc` is never modified.
 *
 * Throws PatchError 400 when `patch` is not an array of operation objects
 * whose `op`, `path` and `from` (when present) are strings, and 422 when an
 * operation fails against the document: unknown `op`, missing `value`, a
 * path that does not exist, an out-of-range index, or a failed `test`.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const operations = decodeOperations(patch);
  let result: unknown;
  try {
    result = jsonpatch.applyPatch(cloneJson(doc), operations, true, true, true).newDocument;
  } catch (err) {
    // Everything fast-json-patch throws while applying is about the patch
    // meeting this document (including its refusal to touch __proto__).
    const detail = err instanceof Error ? describeFailure(err) : String(err);
    throw PatchError.unprocessable(detail);
  }
  return result;
}

/** Checks the shape of a patch document without looking at the target. */
function decodeOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) {
    throw PatchError.badRequest('json patch must be an array of operations');
  }
  patch.forEach((operation: unknown, index: number) => {
    if (!isJsonObject(operation)) {
      throw PatchError.badRequest(`json patch operation ${index} must be an object`);
    }
    for (const member of ['op', 'path'] as const) {
      if (typeof operation[member] !== 'string') {
        throw PatchError.badRequest(`json patch operation ${index} must have a string "${member}"`);
      }
    }
    if (Object.hasOwn(operation, 'from') && typeof operation['from'] !== 'string') {
      throw PatchError.badRequest(`json patch operation ${index} has a "from" that is not a string`);
    }
  });
  // Shape checked above; fast-json-patch validates the rest per operation.
  return patch as Operation[];
}

function describeFailure(err: Error): string {
  if (err instanceof jsonpatch.JsonPatchError) {
    const firstLine = err.message.split('\n')[0] ?? err.message;
    return `${err.name}: ${firstLine}`;
  }
  return err.message;
}
