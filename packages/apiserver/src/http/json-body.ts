/**
 * Request bodies in JSON. Before anything parses a body, its nesting depth is
 * counted on the raw text without recursion, and a body nested deeper than
 * `MAX_JSON_DEPTH` is refused with a 400: every later step (decoding,
 * defaulting, validation, the patch algorithms, structured cloning) walks
 * objects recursively, and a few thousand levels would overflow the stack.
 * Real objects nest a few dozen levels at most; Kubernetes' own JSON decoder
 * stops at 10,000 levels, a depth our recursive code cannot afford.
 */
import { errors } from '../errors.js';
import { errorMessage } from '@mk8s/api';

export const MAX_JSON_DEPTH = 200;

/** The deepest nesting of `[` and `{` outside strings, stopping early once past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** Parses a JSON request body: empty is undefined, malformed or too deep is a 400. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw errors.badRequest(`the body of the request could not be decoded as JSON: it is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`the body of the request could not be decoded as JSON: ${errorMessage(err)}`);
  }
  // Only an escape can carry a lone surrogate: bytes that are not UTF-8 were already replaced when the body was read.
  return LONE_SURROGATE_ESCAPE.test(text) ? wellFormed(value) : value;
}

const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Replaces lone UTF-16 surrogates (`"\ud800"`) in strings and keys with
 * U+FFFD, as Go's JSON decoder does. Such a string has no UTF-8 form: an
 * object named with one could be listed but never addressed in a URL.
 * Depth is bounded by MAX_JSON_DEPTH, so the recursion is too.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const fixString = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return fixString(value);
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(out, fixString(k), { value: wellFormed(v), enumerable: true, writable: true, configurable: true });
  return out;
}
