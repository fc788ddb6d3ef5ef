/**
 * Parses a request path the way Kubernetes' RequestInfoFactory does:
 * `/api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]` and
 * `/apis/{group}/{version}/...`, with `namespaces/{name}/status|finalize`
 * being subresources of a namespace rather than a namespaced resource.
 *
 * The path is taken as the client sent it: segments are split on `/` first
 * and percent-decoded one by one afterwards, and nothing is normalized, so
 * `..` (or `%2e%2e`) is a name like any other and never walks up to a parent
 * path. Names that cannot be a path segment (`.`, `..`, or containing `/` or
 * `%` once decoded) are refused with Kubernetes' 400 "Name parameter
 * invalid"; an empty segment (`//`) matches no route (404).
 */
import { errors } from '../errors.js';
import { bool } from './query.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface RequestInfo {
  /** `/api` or `/apis` path that names no resource (discovery). */
  discovery: boolean;
  group: string;
  version: string;
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
  /** Extra path segments after the subresource (e.g. a proxy path), joined with `/`. */
  rest?: string;
  verb: Verb;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** The path of a request URL as sent (no query, not decoded, not normalized). */
export function rawPathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** True for the paths `parseRequestInfo` serves (`/api`, `/apis` and below). */
export function isApiPath(rawPath: string): boolean {
  return rawPath === '/api' || rawPath.startsWith('/api/') || rawPath === '/apis' || rawPath.startsWith('/apis/');
}

/**
 * Percent-decodes one path segment. A malformed escape is a 400, as Go's URL
 * parser refuses it; escapes that are not UTF-8 decode with replacement
 * characters (such a name cannot exist, so the request finds nothing).
 */
function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  const bad = /%(?![0-9a-fA-F]{2})/.exec(segment);
  if (bad) throw errors.badRequest(`invalid URL escape ${JSON.stringify(segment.slice(bad.index, bad.index + 3))}`);
  const bytes: Buffer[] = [];
  for (const piece of segment.split(/(%[0-9a-fA-F]{2})/)) {
    if (piece.startsWith('%')) bytes.push(Buffer.from([parseInt(piece.slice(1), 16)]));
    else if (piece !== '') bytes.push(Buffer.from(piece, 'utf8'));
  }
  return Buffer.concat(bytes).toString('utf8');
}

/** Kubernetes' IsValidPathSegmentName: what a name must be to stand in a URL path. */
export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const out: string[] = [];
  if (name.includes('/')) out.push("may not contain '/'");
  if (name.includes('%')) out.push("may not contain '%'");
  return out;
}

/**
 * Returns undefined for paths outside `/api` and `/apis` and for path shapes
 * no route has (the caller answers 404). Throws a StatusError for malformed
 * escapes and invalid names (400) and for a method the `/watch/` prefix does
 * not serve (405).
 */
export function parseRequestInfo(method: string, rawPath: string, query: Record<string, unknown>): RequestInfo | undefined {
  // One leading and one trailing slash are syntax; any other empty segment is a path no route has.
  const trimmed = rawPath.replace(/^\//, '').replace(/\/$/, '');
  const raw = trimmed.split('/');
  if (raw.some((p) => p === '')) return undefined;
  const parts = raw.map(decodeSegment);
  const prefix = parts.shift();
  if (prefix !== 'api' && prefix !== 'apis') return undefined;
  let group = '';
  if (prefix === 'apis') {
    group = parts.shift() ?? '';
    if (!group) return { discovery: true, group: '', version: '', verb: 'get' };
  }
  const version = parts.shift() ?? '';
  if (!version || parts.length === 0) return { discovery: true, group, version, verb: 'get' };
  let legacyWatch = false;
  if (parts[0] === 'watch') {
    // The deprecated `/watch/` prefix is a read-only alias of `?watch=true`.
    if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotAllowed();
    legacyWatch = true;
    parts.shift();
    if (parts.length === 0) return undefined;
  }
  const info: RequestInfo = { discovery: false, group, version, verb: 'get' };
  if (parts[0] === 'namespaces' && parts.length > 1) {
    info.namespace = parts[1];
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts.splice(0, 2);
  }
  info.resource = parts[0];
  if (parts.length > 1) info.name = parts[1];
  if (parts.length > 2) info.subresource = parts[2];
  if (parts.length > 3) info.rest = parts.slice(3).join('/');
  // `/namespaces/{name}` names the namespace itself, not a namespace scope.
  if (info.resource === 'namespaces') delete info.namespace;
  if (info.name !== undefined) {
    const problems = pathSegmentNameErrors(info.name);
    if (problems.length > 0) throw errors.badRequest(`Name parameter invalid: ${JSON.stringify(info.name)}: ${problems.join(';')}`);
  }

  switch (method) {
    case 'GET':
    case 'HEAD':
      // As Kubernetes: `?watch` turns a collection GET into a watch; a named
      // object is watched only through the `/watch/` prefix.
      if (info.name === undefined) info.verb = legacyWatch || bool(query, 'watch') ? 'watch' : 'list';
      else info.verb = legacyWatch && info.subresource === undefined ? 'watch' : 'get';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      info.verb = 'get';
  }
  return info;
}
