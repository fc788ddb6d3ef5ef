/**
 * Authentication: who sent a request. Tried in Kubernetes' order:
 *
 * 1. a TLS client certificate signed by `--client-ca-file` (user = subject
 *    CN, groups = subject O values);
 * 2. a bearer token (`Authorization: Bearer <token>`): the static token
 *    file, then bootstrap tokens (`<id>.<secret>` matching a Secret
 *    `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`,
 *    user `system:bootstrap:<id>`, group `system:bootstrappers`), then
 *    service-account tokens (JWTs signed by `--service-account-signing-key-file`);
 * 3. nothing: `system:anonymous` in `system:unauthenticated` when anonymous
 *    requests are allowed.
 *
 * A credential that is presented but not valid (unknown or expired token,
 * certificate of another CA) is a 401 even where anonymous requests are
 * allowed, as in Kubernetes. Every authenticated user also gets the group
 * `system:authenticated`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { WatchCache } from '../cache/watch-cache.js';
import { objectKey } from '../registry/keys.js';
import { looksLikeJwt, verifyServiceAccountToken, type ServiceAccountKeys } from './service-account-token.js';
import type { TokenFile } from './token-file.js';
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, BOOTSTRAPPERS_GROUP, SERVICE_ACCOUNTS_GROUP, UNAUTHENTICATED_GROUP, type UserInfo } from './user.js';

/** The outcome of one authenticator: a user, a rejected credential, or no credential of its kind. */
export type AuthnResult = { user: UserInfo } | { error: string } | undefined;

export interface TokenAuthenticator {
  authenticateToken(token: string): AuthnResult;
}

/** Tokens of the static token file (or given inline, for tests and embedding). */
export class StaticTokenAuthenticator implements TokenAuthenticator {
  constructor(private readonly source: TokenFile | ReadonlyMap<string, UserInfo>) {}
  authenticateToken(token: string): AuthnResult {
    const user = 'lookup' in this.source ? this.source.lookup(token) : this.source.get(token);
    return user ? { user: { ...user, groups: [...user.groups] } } : undefined;
  }
}

const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';

function decoded(data: Record<string, unknown>, key: string): string | undefined {
  const v = data[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

/** Bootstrap tokens: Secrets in kube-system, read from the watch cache. */
/**
 * Compares a stored token secret with a presented one in constant time (as
 * Kubernetes' subtle.ConstantTimeCompare), so response timing does not
 * reveal how much of a guess was right. Hashing first gives equal lengths.
 */
export function sameSecret(stored: string | undefined, presented: string): boolean {
  if (stored === undefined) return false;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(stored), digest(presented));
}

export class BootstrapTokenAuthenticator implements TokenAuthenticator {
  constructor(
    private readonly cache: WatchCache,
    private readonly now: () => number = Date.now,
  ) {}

  authenticateToken(token: string): AuthnResult {
    const m = BOOTSTRAP_TOKEN.exec(token);
    if (!m) return undefined;
    const [, id, secretPart] = m as unknown as [string, string, string];
    const secret = this.cache.get('secrets', objectKey('secrets', 'kube-system', `bootstrap-token-${id}`)) as Record<string, unknown> | undefined;
    if (!secret || secret['type'] !== BOOTSTRAP_TOKEN_SECRET_TYPE) return undefined;
    const meta = (secret['metadata'] ?? {}) as Record<string, unknown>;
    if (meta['deletionTimestamp']) return { error: 'the bootstrap token is being deleted' };
    const data = (secret['data'] ?? {}) as Record<string, unknown>;
    if (decoded(data, 'token-id') !== id || !sameSecret(decoded(data, 'token-secret'), secretPart)) return undefined;
    if (decoded(data, 'usage-bootstrap-authentication') !== 'true') return { error: 'the bootstrap token may not be used for authentication' };
    const expiration = decoded(data, 'expiration');
    if (expiration !== undefined) {
      const at = Date.parse(expiration);
      if (Number.isNaN(at) || at <= this.now()) return { error: 'the bootstrap token has expired' };
    }
    const extra = (decoded(data, 'auth-extra-groups') ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g.startsWith(`${BOOTSTRAPPERS_GROUP}:`));
    return { user: { name: `${BOOTSTRAP_USER_PREFIX}${id}`, groups: [BOOTSTRAPPERS_GROUP, ...extra] } };
  }
}

/** The user of a verified TLS client certificate (CN and O of its subject). */
export function authenticateClientCertificate(req: FastifyRequest): AuthnResult {
  const socket = req.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  if (!socket.authorized) return { error: `the client certificate is not valid: ${String(socket.authorizationError ?? 'unknown authority')}` };
  const subject = (cert.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  const cn = subject['CN'];
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return { error: 'the client certificate has no common name' };
  const o = subject['O'];
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { user: { name, groups: [...groups] } };
}

export interface AuthenticatorChain {
  clientCertificates: boolean;
  tokens: readonly TokenAuthenticator[];
  anonymous: boolean;
}

/** The bearer token of a request, if it carries one. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** Authenticates a request: the user, or the reason it is a 401. */
export function authenticate(req: FastifyRequest, chain: AuthenticatorChain): { user: UserInfo } | { error: string } {
  const withAuthenticated = (u: UserInfo): { user: UserInfo } => ({
    user: u.groups.includes(AUTHENTICATED_GROUP) ? u : { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] },
  });
  if (chain.clientCertificates) {
    const r = authenticateClientCertificate(req);
    if (r) return 'user' in r ? withAuthenticated(r.user) : r;
  }
  const token = bearerToken(req);
  if (token !== undefined) {
    for (const a of chain.tokens) {
      const r = a.authenticateToken(token);
      if (r) return 'user' in r ? withAuthenticated(r.user) : r;
    }
    return { error: 'invalid bearer token' };
  }
  if (chain.anonymous) return { user: { name: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] } };
  return { error: 'no credentials' };
}

/**
 * Service-account tokens (JWTs signed by the API server's key): user
 * `system:serviceaccount:<ns>:<name>`, groups `system:serviceaccounts` and
 * `system:serviceaccounts:<ns>`. The ServiceAccount must still exist with the
 * token's uid.
 */
export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  constructor(
    /** The keys, or how to get them (generated on first use). */
    private readonly keys: () => ServiceAccountKeys,
    private readonly cache: WatchCache,
    private readonly now: () => number = Date.now,
  ) {}

  authenticateToken(token: string): AuthnResult {
    if (!looksLikeJwt(token)) return undefined;
    const r = verifyServiceAccountToken(this.keys(), token, { now: this.now() });
    if (!r || 'error' in r) return r;
    const { namespace, serviceaccount } = r.claims['kubernetes.io'];
    const sa = this.cache.get('serviceaccounts', objectKey('serviceaccounts', namespace, serviceaccount.name)) as Record<string, unknown> | undefined;
    const meta = (sa?.['metadata'] ?? {}) as Record<string, unknown>;
    if (!sa) return { error: `service account ${namespace}/${serviceaccount.name} has been deleted` };
    if (meta['uid'] !== serviceaccount.uid)
      return { error: `service account UID (${serviceaccount.uid}) does not match the current one (${String(meta['uid'])})` };
    if (meta['deletionTimestamp']) return { error: `service account ${namespace}/${serviceaccount.name} is being deleted` };
    return {
      user: {
        name: r.claims.sub,
        uid: serviceaccount.uid,
        groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`],
        extra: r.claims.jti ? { 'authentication.kubernetes.io/credential-id': [`JTI=${r.claims.jti}`] } : undefined,
      },
    };
  }
}
