/**
 * PATCH support for the API server: JSON patch, JSON merge patch and
 * strategic merge patch applied to plain JSON objects, with errors that carry
 * the HTTP code and Kubernetes reason to answer with.
 *
 * @example
 * ```ts
 * import { applyPatch, PatchError } from './patch/index.js';
 *
 * try {
 *   const next = applyPatch(request.headers['content-type'], current, request.body, podSchema);
 *   // ...check name/namespace/resourceVersion, validate, store `next`
 * } catch (err) {
 *   if (err instanceof PatchError) reply.code(err.code); // Status{reason: err.reason, message: err.message}
 * }
 * ```
 */
import { PatchError } from './errors.js';
import { isJsonObject } from './json-value.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import type { SchemaNode } from './schema-node.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { errorMessage } from '@mk8s/api';

export { PatchError, UNPROCESSABLE_PATCH_MESSAGE } from './errors.js';
export type { PatchErrorCode, PatchErrorReason } from './errors.js';
export { applyJsonPatch } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export type { SchemaNode } from './schema-node.js';

/** The PATCH content types the API server recognises, in Kubernetes' spelling. */
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export type PatchContentType = (typeof PATCH_CONTENT_TYPES)[number];

/** The types `applyPatch` applies (server-side apply goes through the registry's field manager instead). */
const APPLIED_TYPES: readonly PatchContentType[] = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/**
 * Applies a PATCH request body to the current object and returns the patched
 * object; `doc` is not modified.
 *
 * `contentType` is the request's Content-Type header (parameters such as
 * `; charset=utf-8` are ignored). `patchBody` is the parsed JSON body; a raw
 * string or byte buffer is parsed here. `schema` is the kind's schema for
 * strategic merge patch (undefined: merge-patch behaviour).
 *
 * Throws PatchError: 415 for server-side apply and unknown types, 400 for a
 * body that is not valid JSON or not the shape the type requires (merge and
 * strategic patches must be objects), 422 when the patch does not apply or
 * the result is not a JSON object.
 */
export function applyPatch(contentType: string, doc: Record<string, unknown>, patchBody: unknown, schema: SchemaNode | undefined): Record<string, unknown> {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (mediaType === 'application/apply-patch+yaml') {
    // An apply configuration is not a patch of a plain document: the registry applies it with field ownership (field-manager/).
    throw PatchError.unsupportedMediaType('server-side apply (application/apply-patch+yaml) is not supported on this endpoint');
  }
  if (!(APPLIED_TYPES as readonly string[]).includes(mediaType)) {
    throw PatchError.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${APPLIED_TYPES.join(', ')}`);
  }

  const body = decodeBody(patchBody);
  let result: unknown;
  switch (mediaType) {
    case 'application/json-patch+json':
      result = applyJsonPatch(doc, body);
      break;
    case 'application/merge-patch+json':
      result = applyMergePatch(doc, requireObjectPatch(body));
      break;
    default:
      result = applyStrategicMergePatch(doc, requireObjectPatch(body), schema);
      break;
  }
  if (!isJsonObject(result)) {
    throw PatchError.invalid(
      `the patched object is invalid: patch: Invalid value: ${truncate(JSON.stringify(result) ?? 'undefined')}: the result of a patch must be a JSON object`,
    );
  }
  return result;
}

function decodeBody(body: unknown): unknown {
  let text: string | undefined;
  if (typeof body === 'string') {
    text = body;
  } else if (body instanceof Uint8Array) {
    text = Buffer.from(body).toString('utf8');
  }
  if (text === undefined) {
    return body;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw PatchError.badRequest(`error decoding patch: ${errorMessage(err)}`);
  }
}

function requireObjectPatch(body: unknown): Record<string, unknown> {
  if (!isJsonObject(body)) {
    throw PatchError.badRequest('error decoding patch: the patch must be a JSON object');
  }
  return body;
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
