/**
 * Service-account tokens: JWTs signed RS256 by the API server's key
 * (`--service-account-signing-key-file`) and verified against its public keys
 * (`--service-account-key-file`, plus the signing key's own public half).
 * Without flags, a key pair is generated at startup and kept in memory only:
 * the tokens it signed stop working when the process exits.
 *
 * ```ts
 * const keys = ServiceAccountKeys.generate();
 * const token = signServiceAccountToken(keys, { namespace: 'default', name: 'robot', uid }, { audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, now: Date.now() });
 * verifyServiceAccountToken(keys, token, { now: Date.now() }); // { claims } or { error }
 * ```
 */
import crypto, { type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';

/** The private claims Kubernetes puts under `kubernetes.io`. */
export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti?: string;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
}

export class ServiceAccountKeys {
  constructor(
    readonly signingKey: KeyObject,
    readonly verificationKeys: readonly KeyObject[],
    readonly issuer: string = DEFAULT_ISSUER,
  ) {}

  /** An in-memory RSA key pair (tokens die with the process). */
  static generate(issuer: string = DEFAULT_ISSUER): ServiceAccountKeys {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    return new ServiceAccountKeys(privateKey, [publicKey], issuer);
  }

  /** Keys from PEM files: the private signing key and any number of public (or private) verification keys. */
  static fromFiles(signingKeyFile: string, verificationKeyFiles: readonly string[] = [], issuer: string = DEFAULT_ISSUER): ServiceAccountKeys {
    const signingKey = crypto.createPrivateKey(readFileSync(signingKeyFile));
    const verification = [crypto.createPublicKey(signingKey), ...verificationKeyFiles.flatMap((f) => publicKeysOfPem(readFileSync(f, 'utf8')))];
    return new ServiceAccountKeys(signingKey, verification, issuer);
  }

  /** A key id: the base64url SHA-256 of the public key's DER, as Kubernetes does. */
  keyId(): string {
    const der = crypto.createPublicKey(this.signingKey).export({ type: 'spki', format: 'der' });
    return crypto.createHash('sha256').update(der).digest('base64url');
  }
}

/** Every key in a PEM bundle, as public keys. */
export function publicKeysOfPem(pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM key found');
  return blocks.map((b) => crypto.createPublicKey(b));
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export interface SignOptions {
  audiences: readonly string[];
  expirationSeconds: number;
  /** Milliseconds since the epoch. */
  now: number;
}

/** Signs a token for a ServiceAccount; returns it with its claims. */
export function signServiceAccountToken(
  keys: ServiceAccountKeys,
  sa: { namespace: string; name: string; uid: string },
  opts: SignOptions,
): { token: string; claims: ServiceAccountClaims } {
  const iat = Math.floor(opts.now / 1000);
  const claims: ServiceAccountClaims = {
    aud: [...opts.audiences],
    exp: iat + opts.expirationSeconds,
    iat,
    iss: keys.issuer,
    jti: crypto.randomUUID(),
    'kubernetes.io': { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } },
    nbf: iat,
    sub: `${SERVICE_ACCOUNT_USER_PREFIX}${sa.namespace}:${sa.name}`,
  };
  const input = `${b64({ alg: 'RS256', kid: keys.keyId() })}.${b64(claims)}`;
  const sig = crypto.sign('sha256', Buffer.from(input), keys.signingKey).toString('base64url');
  return { token: `${input}.${sig}`, claims };
}

const JWT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/** Whether a bearer token looks like a JWT (three base64url parts) whose issuer is ours. */
export function looksLikeJwt(token: string): boolean {
  return JWT.test(token);
}

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a token: undefined when it is not a JWT of this issuer (another
 * authenticator may know it), `{ error }` when it is ours but invalid
 * (bad signature, expired, not yet valid, wrong audience, malformed claims).
 */
export function verifyServiceAccountToken(
  keys: ServiceAccountKeys,
  token: string,
  opts: { now: number; audiences?: readonly string[] },
): { claims: ServiceAccountClaims } | { error: string } | undefined {
  const m = JWT.exec(token);
  if (!m) return undefined;
  const [, h, p, s] = m as unknown as [string, string, string, string];
  const header = parseJson(h);
  const payload = parseJson(p);
  if (!header || !payload) return undefined;
  if (payload['iss'] !== keys.issuer) return undefined;
  if (header['alg'] !== 'RS256') return { error: `unsupported token algorithm ${String(header['alg'])}` };
  const sig = Buffer.from(s, 'base64url');
  const input = Buffer.from(`${h}.${p}`);
  if (!keys.verificationKeys.some((k) => crypto.verify('sha256', input, k, sig))) return { error: 'invalid token signature' };
  const now = Math.floor(opts.now / 1000);
  const num = (k: string): number | undefined => (typeof payload[k] === 'number' ? (payload[k] as number) : undefined);
  const exp = num('exp');
  if (exp === undefined || exp <= now) return { error: 'the service account token has expired' };
  const nbf = num('nbf');
  if (nbf !== undefined && nbf > now + 60) return { error: 'the service account token is not valid yet' };
  const aud =
    typeof payload['aud'] === 'string'
      ? [payload['aud']]
      : Array.isArray(payload['aud'])
        ? (payload['aud'] as unknown[]).filter((a): a is string => typeof a === 'string')
        : [];
  const wanted = opts.audiences ?? [keys.issuer];
  if (!aud.some((a) => wanted.includes(a))) return { error: 'the token audience is not accepted' };
  const k8s = payload['kubernetes.io'] as { namespace?: unknown; serviceaccount?: { name?: unknown; uid?: unknown } } | undefined;
  const ns = k8s?.namespace;
  const name = k8s?.serviceaccount?.name;
  const uid = k8s?.serviceaccount?.uid;
  if (typeof ns !== 'string' || typeof name !== 'string' || typeof uid !== 'string' || payload['sub'] !== `${SERVICE_ACCOUNT_USER_PREFIX}${ns}:${name}`) {
    return { error: 'the service account token has malformed claims' };
  }
  return { claims: payload as unknown as ServiceAccountClaims };
}
