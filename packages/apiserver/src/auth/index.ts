/**
 * Authentication and authorization of every request (see docs/security.md).
 *
 * `installAuth(app, deps)` adds two hooks: `onRequest` authenticates
 * (401 `Unauthorized`), sets `req.user` and authorizes the request with the
 * configured modes (403 `Forbidden` in Kubernetes' wording); `preHandler`
 * runs NodeRestriction on kubelets' writes, once the body is decoded. The
 * returned object serves the reviews and reconciles the
 * default RBAC policy (`start`, after the watch cache is loaded).
 *
 * ```ts
 * const auth = installAuth(app, { cache, registry, log, options: { tokenAuthFile: 'tokens.csv', authorizationModes: ['Node', 'RBAC'] } });
 * await auth.start();
 * ```
 *
 * Without options the server keeps its insecure default: anonymous
 * requests, everything allowed.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { ResourceType } from '@mk8s/api';
import type { WatchCache } from '../cache/watch-cache.js';
import { StatusError } from '../errors.js';
import { isApiPath, parseRequestInfo, rawPathOf, type RequestInfo } from '../http/request-info.js';
import type { Registry, WriteCheck } from '../registry/registry.js';
import { selfSubjectAccessReview, selfSubjectReview, selfSubjectRulesReview, subjectAccessReview } from './access-review.js';
import { forbiddenWhy, requestAttributes, type Attributes, type Authorizer } from './attributes.js';
import {
  authenticate,
  parseCertificates,
  BootstrapTokenAuthenticator,
  ServiceAccountTokenAuthenticator,
  StaticTokenAuthenticator,
  type AuthenticatorChain,
  type TokenAuthenticator,
} from './authenticators.js';
import { reconcileBootstrapPolicy, reconcileCustomResourcesRole } from './bootstrap-policy.js';
import { publishAuthenticationTrust } from './cluster-authentication-trust.js';
import { escalationCheck, RuleResolver } from './escalation.js';
import { NodeAuthorizer } from './node-authorizer.js';
import { admitNodeRequest } from './node-restriction.js';
import { alwaysAllow, alwaysDeny, authorizeUnion, RbacAuthorizer } from './rbac.js';
import { ServiceAccountKeys } from './service-account-token.js';
import { TokenFile } from './token-file.js';
import { tokenRequest } from './token-request.js';
import { tokenReview } from './token-review.js';
import type { UserInfo } from './user.js';

export type AuthorizationMode = 'AlwaysAllow' | 'AlwaysDeny' | 'RBAC' | 'Node';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['AlwaysAllow', 'AlwaysDeny', 'RBAC', 'Node'];

export interface AuthOptions {
  /** `--token-auth-file`: CSV `token,user,uid,"group1,group2"`; re-read when it changes. */
  tokenAuthFile?: string;
  /** Static tokens given directly (tests, embedding), besides the file's. */
  tokens?: ReadonlyMap<string, UserInfo>;
  /** Accept bootstrap tokens from kube-system Secrets (default true). */
  bootstrapTokens?: boolean;
  /** Authenticate TLS client certificates (the HTTPS server must request them against the client CA). */
  clientCertificates?: boolean;
  /** The client CA bundle (`--client-ca-file`): certificates must chain to it; needed when the TLS server also trusts `requestHeader.clientCA`. */
  clientCA?: Buffer;
  /** Front-proxy authentication (`--requestheader-*`); off when absent. */
  requestHeader?: RequestHeaderOptions;
  /** Serve requests without credentials as `system:anonymous` (default false). */
  anonymous?: boolean;
  /** Authorizers, in order (`--authorization-mode`); default `['Node', 'RBAC']`. */
  authorizationModes?: readonly AuthorizationMode[];
  /**
   * The keys that sign and verify service-account tokens
   * (`--service-account-signing-key-file`, `--service-account-key-file`);
   * absent: a key pair generated in memory, so tokens die with the process.
   */
  serviceAccountKeys?: ServiceAccountKeys;
}

/** `--requestheader-client-ca-file`, `--requestheader-allowed-names` and the header names (Kubernetes' flags). */
export interface RequestHeaderOptions {
  clientCA: Buffer;
  allowedNames: readonly string[];
  usernameHeaders: readonly string[];
  groupHeaders: readonly string[];
  extraHeadersPrefixes: readonly string[];
}

/** The insecure default: anonymous requests, everything allowed. */
export const INSECURE_AUTH: AuthOptions = { anonymous: true, authorizationModes: ['AlwaysAllow'], bootstrapTokens: false };

export interface AuthDeps {
  cache: WatchCache;
  registry: Registry;
  log: FastifyBaseLogger;
  now: () => number;
  options: AuthOptions;
}

export interface Auth {
  authorizers: readonly Authorizer[];
  modes: readonly AuthorizationMode[];
  /** Reconciles the default RBAC policy when RBAC is on. */
  start(): Promise<void>;
  /**
   * With RBAC on, gives the controller manager's role on custom resources the
   * rules of exactly the `served` ones (the CRD controller calls it); true
   * when the role was written.
   */
  customResourcesServed(served: ReadonlyArray<{ group: string; resource: string }>): Promise<boolean>;
  /**
   * Answers a review create: SelfSubjectAccessReview, SelfSubjectRulesReview
   * and SelfSubjectReview for the request's user; SubjectAccessReview,
   * LocalSubjectAccessReview and TokenReview for the user or token they name.
   */
  review(rt: ResourceType, req: FastifyRequest, info: RequestInfo): Promise<Record<string, unknown>>;
  /** The keys service-account tokens are signed and verified with (generated on first call when not configured). */
  serviceAccountKeys(): ServiceAccountKeys;
  /** Answers a TokenRequest (`serviceaccounts/<name>/token`) with a signed token. */
  tokenRequest(namespace: string, name: string, body: unknown): Promise<Record<string, unknown>>;
  /** RBAC's escalation check of a create, update or patch of roles and bindings (escalation.ts); none without RBAC or when it does not apply. */
  guardWrite(rt: ResourceType, info: RequestInfo, user: UserInfo | undefined): Promise<WriteCheck | undefined>;
}

const ATTRS = Symbol('mk8s.authAttributes');
type WithAttrs = FastifyRequest & { [ATTRS]?: Attributes; requestInfo?: RequestInfo };

export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

/** The 403 of a denied request, with Kubernetes' message and details. */
export function forbidden(attrs: Attributes, reason?: string): StatusError {
  const why = forbiddenWhy(attrs, reason);
  if (!attrs.resourceRequest) return new StatusError(403, 'Forbidden', `forbidden: ${why}`, {});
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${why}`, {
    name: attrs.name || undefined,
    group: attrs.apiGroup || undefined,
    kind: attrs.resource,
  });
}

function requestInfoOf(method: string, pathname: string, query: unknown): RequestInfo | undefined {
  try {
    return parseRequestInfo(method, pathname, (query ?? {}) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

export function installAuth(app: FastifyInstance, deps: AuthDeps): Auth {
  const opts = deps.options;
  const tokens: TokenAuthenticator[] = [];
  if (opts.tokens) tokens.push(new StaticTokenAuthenticator(opts.tokens));
  if (opts.tokenAuthFile) {
    tokens.push(
      new StaticTokenAuthenticator(
        new TokenFile(opts.tokenAuthFile, (err) => deps.log.warn({ err }, 'could not re-read the token file; keeping the tokens read before')),
      ),
    );
  }
  if (opts.bootstrapTokens ?? true) tokens.push(new BootstrapTokenAuthenticator(deps.cache, deps.now));
  // Generated on first use when not given: tokens then die with the process.
  let generatedKeys: ServiceAccountKeys | undefined;
  const saKeys = (): ServiceAccountKeys => opts.serviceAccountKeys ?? (generatedKeys ??= ServiceAccountKeys.generate());
  tokens.push(new ServiceAccountTokenAuthenticator(saKeys, deps.cache, deps.now));
  const rh = opts.requestHeader;
  const lower = (names: readonly string[]): string[] => names.map((n) => n.toLowerCase());
  const chain: AuthenticatorChain = {
    clientCertificates: opts.clientCertificates ?? false,
    clientCAs: rh && opts.clientCA ? parseCertificates(opts.clientCA) : undefined,
    requestHeader: rh && {
      cas: parseCertificates(rh.clientCA),
      allowedNames: rh.allowedNames,
      usernameHeaders: lower(rh.usernameHeaders),
      groupHeaders: lower(rh.groupHeaders),
      extraHeaderPrefixes: lower(rh.extraHeadersPrefixes),
    },
    tokens,
    anonymous: opts.anonymous ?? false,
  };
  // A front proxy's identity headers are consumed here, never passed on (Kubernetes' ClearAuthenticationHeaders).
  const consumed = rh ? [...lower(rh.usernameHeaders), ...lower(rh.groupHeaders)] : [];
  const consumedPrefixes = rh ? lower(rh.extraHeadersPrefixes) : [];
  const modes = opts.authorizationModes ?? ['Node', 'RBAC'];
  const authorizers = modes.map((m): Authorizer => {
    switch (m) {
      case 'AlwaysAllow':
        return alwaysAllow;
      case 'AlwaysDeny':
        return alwaysDeny;
      case 'RBAC':
        return new RbacAuthorizer(deps.cache);
      case 'Node':
        return new NodeAuthorizer(deps.cache);
      default:
        throw new Error(`unknown authorization mode "${String(m)}"`);
    }
  });
  const allowAll = modes.length > 0 && modes[0] === 'AlwaysAllow';
  // Escalation prevention comes with RBAC, as in Kubernetes; AlwaysAllow first exempts everyone.
  const rbac = allowAll ? undefined : authorizers.find((a): a is RbacAuthorizer => a instanceof RbacAuthorizer);
  const resolver = rbac && new RuleResolver(rbac, deps.cache);
  const nodeRestriction = modes.includes('Node');

  app.addHook('onRequest', async (request) => {
    const req = request as WithAttrs;
    const result = authenticate(req, chain);
    if ('error' in result) {
      req.log.debug({ reason: result.error }, 'unauthorized request');
      throw unauthorized();
    }
    req.user = result.user;
    if (rh) {
      for (const h of Object.keys(req.headers)) if (consumed.includes(h) || consumedPrefixes.some((p) => h.startsWith(p))) delete req.headers[h];
    }
    if (allowAll) return;
    // The request info was parsed from the path as sent, before this hook (app.ts); never from a normalized URL.
    const rawPath = rawPathOf(req.url);
    const info = req.requestInfo ?? (isApiPath(rawPath) ? requestInfoOf(req.method, rawPath, req.query) : undefined);
    const attrs = requestAttributes(result.user, req.method, rawPath, info);
    const decision = await authorizeUnion(authorizers, attrs);
    if (decision.decision !== 'allow') {
      req.log.info(
        { user: result.user.name, verb: attrs.verb, resource: attrs.resource, subresource: attrs.subresource, namespace: attrs.namespace, path: attrs.path },
        'forbidden',
      );
      throw forbidden(attrs, decision.reason);
    }
    req[ATTRS] = attrs;
  });
  if (nodeRestriction) {
    app.addHook('preHandler', async (request) => {
      const req = request as WithAttrs;
      const attrs = req[ATTRS];
      if (attrs)
        await admitNodeRequest(attrs, req.body, deps.registry, (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase());
    });
  }

  return {
    authorizers,
    modes,
    start: async () => {
      if (modes.includes('RBAC')) await reconcileBootstrapPolicy(deps.registry, deps.log);
      await publishAuthenticationTrust(deps.registry, { clientCA: opts.clientCA, requestHeader: rh }).catch((err: unknown) =>
        deps.log.warn({ err }, 'could not publish kube-system/extension-apiserver-authentication; the next start retries'),
      );
    },
    customResourcesServed: async (served) => modes.includes('RBAC') && (await reconcileCustomResourcesRole(deps.registry, served)),
    review: async (rt, req, info) => {
      const user = req.user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] };
      switch (rt.resource) {
        case 'selfsubjectreviews':
          return selfSubjectReview(rt, deps.registry, user, info, req.body);
        case 'selfsubjectrulesreviews':
          return selfSubjectRulesReview(rt, deps.registry, authorizers, user, info, req.body);
        case 'subjectaccessreviews':
        case 'localsubjectaccessreviews':
          return subjectAccessReview(rt, deps.registry, authorizers, info, req.body);
        case 'tokenreviews':
          return tokenReview(rt, deps.registry, tokens, [saKeys().issuer], info, req.body);
        default:
          return selfSubjectAccessReview(rt, deps.registry, authorizers, user, info, req.body);
      }
    },
    serviceAccountKeys: saKeys,
    tokenRequest: (namespace, name, body) => tokenRequest(saKeys(), deps.registry, deps.now, namespace, name, body),
    guardWrite: async (rt, info, user) =>
      resolver
        ? escalationCheck(
            { authorizers, resolver },
            rt,
            info.namespace ?? '',
            info.name ?? '',
            user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] },
          )
        : undefined,
  };
}

export { forbiddenWhy, requestAttributes, type Attributes, type Authorizer, type AuthorizerResult, type Decision, type SubjectRules } from './attributes.js';
export { parseTokenFile, TokenFile, TokenFileError } from './token-file.js';
export { DEFAULT_ROLES, COMPONENT_USERS, NODE_RULES, reconcileBootstrapPolicy } from './bootstrap-policy.js';
export { nodeIdentity } from './node-authorizer.js';
export { RbacAuthorizer, authorizeUnion, rulesForUnion } from './rbac.js';
export { ServiceAccountKeys, DEFAULT_ISSUER, signServiceAccountToken, verifyServiceAccountToken } from './service-account-token.js';
export * from './user.js';
