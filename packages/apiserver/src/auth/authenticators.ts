/**
 * Authentication: who sent a request. Tried in Kubernetes' order:
 *
 * 0. a front proxy (the aggregator of another API server, an
 *    authenticating proxy): a TLS client certificate signed by
 *    `--requestheader-client-ca-file` with a CN in
 *    `--requestheader-allowed-names` asserts the user in the request
 *    headers (`X-Remote-User`, `X-Remote-Group`, `X-Remote-Extra-<key>`);
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
import { X509Certificate, createHash, timingSafeEqual } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { WatchCache } from '../cache/watch-cache.js';
import { objectKey } from '../registry/keys.js';
import { looksLikeJwt, verifyServiceAccountToken, type ServiceAccountKeys } from './service-account-token.js';
import type { TokenFile } from './token-file.js';
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, BOOTSTRAPPERS_GROUP, SERVICE_ACCOUNTS_GROUP, UNAUTHENTICATED_GROUP, type UserInfo } from './user.js';

/**
 * The outcome of one authenticator: a user, a rejected credential, or no
 * credential of its kind. `audiences`: those of the ones asked for the
 * token is valid for, from an audience-aware authenticator (service-account
 * tokens); the others' tokens are valid for the API server's own.
 */
export type AuthnResult = { user: UserInfo; audiences?: string[] } | { error: string } | undefined;

export interface TokenAuthenticator {
  /** `audiences`: the audiences the token must be valid for (a TokenReview's); the API server's own when absent. */
  authenticateToken(token: string, audiences?: readonly string[]): AuthnResult;
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

/** The certificates of a PEM bundle. */
export function parseCertificates(pem: string | Buffer): X509Certificate[] {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/**
 * True when the verified peer chain ends at one of `cas`: the TLS layer
 * checked the chain against every CA it trusts (client and request-header
 * CAs together); this says which.
 */
function chainsTo(peer: DetailedPeerCertificate, cas: readonly X509Certificate[]): boolean {
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = peer; c && c.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    const cert = new X509Certificate(c.raw);
    if (cas.some((ca) => ca.fingerprint256 === cert.fingerprint256 || (cert.checkIssued(ca) && cert.verify(ca.publicKey)))) return true;
  }
  return false;
}

/** The verified peer certificate of a TLS request, or a reason it is not valid; undefined without one. */
function peerCertificate(req: FastifyRequest): { cert: DetailedPeerCertificate } | { error: string } | undefined {
  const socket = req.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate(true);
  if (!cert || Object.keys(cert).length === 0) return undefined;
  if (!socket.authorized) return { error: `the client certificate is not valid: ${String(socket.authorizationError ?? 'unknown authority')}` };
  return { cert };
}

function commonName(cert: DetailedPeerCertificate): string | undefined {
  const cn = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.['CN'];
  return Array.isArray(cn) ? cn[0] : cn;
}

/**
 * The user of a verified TLS client certificate (CN and O of its subject).
 * With `cas`, the certificate must chain to one of them (when the server
 * also trusts a request-header CA, a front proxy's certificate is not a
 * client certificate).
 */
export function authenticateClientCertificate(req: FastifyRequest, cas?: readonly X509Certificate[]): AuthnResult {
  const peer = peerCertificate(req);
  if (!peer || 'error' in peer) return peer;
  const { cert } = peer;
  if (cas && !chainsTo(cert, cas)) return { error: 'the client certificate is not valid: it is not signed by the client CA' };
  const name = commonName(cert);
  if (!name) return { error: 'the client certificate has no common name' };
  const o = (cert.subject as unknown as Record<string, string | string[] | undefined>)['O'];
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { user: { name, groups: [...groups] } };
}

/** Front-proxy authentication (`--requestheader-*`). */
export interface RequestHeaderConfig {
  /** The CAs of front proxies' client certificates. */
  cas: readonly X509Certificate[];
  /** CNs allowed to assert users; any certificate of `cas` when empty. */
  allowedNames: readonly string[];
  /** Header names (lower case) holding the user name; the first with a value wins. */
  usernameHeaders: readonly string[];
  groupHeaders: readonly string[];
  /** Header name prefixes (lower case) of extra attributes: `<prefix><key>` (key percent-encoded). */
  extraHeaderPrefixes: readonly string[];
}

/**
 * A front proxy's assertion (Kubernetes' request-header authenticator):
 * undefined unless the request has a certificate of a request-header CA, an
 * allowed CN and a user name header, so other authenticators may still
 * try it.
 */
export function authenticateRequestHeader(req: FastifyRequest, cfg: RequestHeaderConfig): AuthnResult {
  const peer = peerCertificate(req);
  if (!peer || 'error' in peer || !chainsTo(peer.cert, cfg.cas)) return undefined;
  const cn = commonName(peer.cert) ?? '';
  if (cfg.allowedNames.length > 0 && !cfg.allowedNames.includes(cn)) return undefined;
  const headers = req.raw.headersDistinct;
  const values = (name: string): string[] => headers[name] ?? [];
  const name = cfg.usernameHeaders.map((h) => values(h)[0] ?? '').find((v) => v !== '');
  if (!name) return undefined;
  const groups = cfg.groupHeaders.flatMap(values);
  const extra: Record<string, string[]> = {};
  for (const [header, vals] of Object.entries(headers)) {
    const prefix = cfg.extraHeaderPrefixes.find((p) => header.startsWith(p));
    if (!prefix || !vals) continue;
    let key = header.slice(prefix.length);
    try {
      key = decodeURIComponent(key);
    } catch {
      /* kept as sent */
    }
    extra[key.toLowerCase()] = [...(extra[key.toLowerCase()] ?? []), ...vals];
  }
  return { user: { name, groups, extra: Object.keys(extra).length > 0 ? extra : undefined } };
}

export interface AuthenticatorChain {
  clientCertificates: boolean;
  /** The client CAs a client certificate must chain to (set when the TLS server also trusts request-header CAs). */
  clientCAs?: readonly X509Certificate[];
  requestHeader?: RequestHeaderConfig;
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
  if (chain.requestHeader) {
    const r = authenticateRequestHeader(req, chain.requestHeader);
    if (r && 'user' in r) return withAuthenticated(r.user);
  }
  if (chain.clientCertificates) {
    const r = authenticateClientCertificate(req, chain.clientCAs);
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

  authenticateToken(token: string, audiences?: readonly string[]): AuthnResult {
    if (!looksLikeJwt(token)) return undefined;
    const r = verifyServiceAccountToken(this.keys(), token, { now: this.now(), audiences });
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
      audiences: r.claims.aud.filter((a) => (audiences ?? [this.keys().issuer]).includes(a)),
    };
  }
}
