/**
 * JSON patch (RFC 6902), the `application/json-patch+json` PATCH type and
 * what `kubectl patch --type=json` sends. Applying is delegated to
 * fast-json-patch; this module decides what is a malformed patch (400) and
 * what is a patch that does not apply to the document (422), the same split
 * kube-apiserver makes.
 *
 * Object keys are user data, so a path is resolved on own properties only:
 * fast-json-patch walks with `obj[key]`, which finds inherited members
 * (`/metadata/labels/constructor` "exists" on every object), letting
 * `remove`/`replace`/`test`/`copy`/`move` act on a member the document does
 * not have. Each operation is checked against the document as the previous
 * ones left it (`checkOwnPaths`) before fast-json-patch applies it. A path
 * through a `__proto__` key is still refused (422) by fast-json-patch, which
 * would otherwise assign through the prototype setter; Kubernetes accepts
 * such keys, but refusing is the safe approximation here (merge and strategic
 * merge patches do keep them).
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
  let result: unknown = cloneJson(doc);
  operations.forEach((operation, index) => {
    checkOwnPaths(result, operation);
    try {
      // validate, mutate our own copy, ban prototype modifications.
      result = jsonpatch.applyOperation(result, operation, true, true, true, index).newDocument;
    } catch (err) {
      // Everything fast-json-patch throws while applying is about the patch
      // meeting this document (including its refusal to touch __proto__).
      const detail = err instanceof Error ? describeFailure(err) : String(err);
      throw PatchError.unprocessable(detail);
    }
  });
  return result;
}

/** Operations whose `path` must name an existing member; `add` only needs the parent. */
const TARGET_MUST_EXIST = new Set(['remove', 'replace', 'test']);

/**
 * 422 when the operation's `path` (or `from`) goes through, or ends at, an
 * object member the document does not have as an own property. Array steps
 * and malformed pointers are left to fast-json-patch's own checks.
 */
function checkOwnPaths(doc: unknown, operation: Operation): void {
  const from = (operation as { from?: unknown }).from;
  // RFC 6902 4.4: a value cannot move into itself (fast-json-patch would build a cycle).
  if (operation.op === 'move' && typeof from === 'string' && operation.path.startsWith(`${from}/`)) {
    throw PatchError.unprocessable(
      `OPERATION_FROM_PREFIX: the "from" location (${JSON.stringify(from)}) may not be a proper prefix of the "path" location (${JSON.stringify(operation.path)})`,
    );
  }
  if ((operation.op === 'move' || operation.op === 'copy') && typeof from === 'string' && !resolvesOwn(doc, from, true)) {
    throw PatchError.unprocessable(`OPERATION_FROM_UNRESOLVABLE: Cannot perform an operation from a path that does not exist: ${from}`);
  }
  if (!resolvesOwn(doc, operation.path, TARGET_MUST_EXIST.has(operation.op))) {
    throw PatchError.unprocessable(`OPERATION_PATH_UNRESOLVABLE: Cannot perform the operation at a path that does not exist: ${operation.path}`);
  }
}

/**
 * Whether every object step of the JSON pointer `pointer` is an own member of
 * `doc` (the last step too when `whole`). Steps into arrays or scalars stop
 * the walk: fast-json-patch validates those itself.
 */
function resolvesOwn(doc: unknown, pointer: string, whole: boolean): boolean {
  if (pointer === '' || !pointer.startsWith('/')) return true;
  const steps = pointer
    .slice(1)
    .split('/')
    .map((step) => step.replace(/~1/g, '/').replace(/~0/g, '~'));
  let current = doc;
  for (let i = 0; i < steps.length; i++) {
    if (!isJsonObject(current)) return true;
    const step = steps[i]!;
    const last = i === steps.length - 1;
    if (!Object.hasOwn(current, step)) return last && !whole;
    current = current[step];
  }
  return true;
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
