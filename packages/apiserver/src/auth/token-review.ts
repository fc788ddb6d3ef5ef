/**
 * `POST /apis/authentication.k8s.io/v1/tokenreviews` (Kubernetes'
 * pkg/registry/authentication/tokenreview): who a bearer token belongs to,
 * asked by an extension API server (or a webhook) that delegates
 * authentication here. The token goes through this server's token
 * authenticators for the audiences asked (the API server's own when none);
 * the answer is the review with `status.authenticated`, the user (with
 * `system:authenticated`), the audiences it is valid for, and `error` for
 * a token presented but refused. Nothing is stored.
 */
import type { ResourceType } from '@mk8s/api';
import { errors } from '../errors.js';
import type { RequestInfo } from '../http/request-info.js';
import type { Registry } from '../registry/registry.js';
import type { TokenAuthenticator } from './authenticators.js';
import { AUTHENTICATED_GROUP } from './user.js';

type Obj = Record<string, unknown>;

export function tokenReview(
  rt: ResourceType,
  registry: Registry,
  tokens: readonly TokenAuthenticator[],
  apiAudiences: readonly string[],
  info: RequestInfo,
  body: unknown,
): Obj {
  if (info.verb !== 'create' || info.name !== undefined) throw errors.methodNotAllowed();
  const { object } = registry.decodeBody(rt, body);
  const spec = (object['spec'] ?? {}) as { token?: string; audiences?: string[] };
  if (!spec.token) throw errors.badRequest('token is required for TokenReview in authentication');
  const wanted = spec.audiences && spec.audiences.length > 0 ? spec.audiences : [...apiAudiences];
  let status: Obj = { user: {} };
  for (const a of tokens) {
    const r = a.authenticateToken(spec.token, wanted);
    if (!r) continue;
    if ('error' in r) {
      status = { user: {}, error: r.error };
      break;
    }
    // A token of an audience-unaware kind (static, bootstrap) is valid for the API server's audiences only.
    const audiences = r.audiences ?? wanted.filter((w) => apiAudiences.includes(w));
    if (audiences.length === 0) {
      status = { user: {}, error: `token audiences ${JSON.stringify(apiAudiences)} is invalid for the target audiences ${JSON.stringify(wanted)}` };
      break;
    }
    const u = r.user;
    const groups = u.groups.includes(AUTHENTICATED_GROUP) ? u.groups : [...u.groups, AUTHENTICATED_GROUP];
    status = { authenticated: true, user: { username: u.name, uid: u.uid || undefined, groups, extra: u.extra }, audiences };
    break;
  }
  const metadata = { ...((object['metadata'] as Obj | undefined) ?? {}), creationTimestamp: null };
  return { kind: rt.kind, apiVersion: rt.apiVersion, metadata, spec, status };
}
