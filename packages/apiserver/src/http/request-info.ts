/**
 * Parses a request path the way Kubernetes' RequestInfoFactory does:
 * `/api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]` and
 * `/apis/{group}/{version}/...`, with `namespaces/{name}/status|finalize`
 * being subresources of a namespace rather than a namespaced resource.
 */
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

function isWatchQuery(v: unknown): boolean {
  return v === 'true' || v === '1' || v === true;
}

/** Returns undefined for paths outside `/api` and `/apis`. */
export function parseRequestInfo(method: string, pathname: string, query: Record<string, unknown>): RequestInfo | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
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
    legacyWatch = true;
    parts.shift();
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

  switch (method) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name === undefined || info.subresource === undefined ? (info.name === undefined ? 'list' : 'get') : 'get';
      if (info.name === undefined && (legacyWatch || isWatchQuery(query['watch']))) info.verb = 'watch';
      else if (info.name !== undefined && info.subresource === undefined && (legacyWatch || isWatchQuery(query['watch']))) info.verb = 'watch';
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
