import crypto from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ISSUER, ServiceAccountKeys, signServiceAccountToken, verifyServiceAccountToken } from './service-account-token.js';

const SA = { namespace: 'default', name: 'robot', uid: '1234' };
const NOW = Date.UTC(2026, 0, 1);
const keys = ServiceAccountKeys.generate();

function sign(k = keys, exp = 3600, audiences = [DEFAULT_ISSUER]) {
  return signServiceAccountToken(k, SA, { audiences, expirationSeconds: exp, now: NOW });
}

describe('service-account tokens', () => {
  it('signs an RS256 JWT with Kubernetes claims and verifies it', () => {
    const { token, claims } = sign();
    const [h, p] = token.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toMatchObject({ alg: 'RS256', kid: keys.keyId() });
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual(claims);
    expect(claims).toMatchObject({
      iss: DEFAULT_ISSUER,
      sub: 'system:serviceaccount:default:robot',
      aud: [DEFAULT_ISSUER],
      iat: NOW / 1000,
      nbf: NOW / 1000,
      exp: NOW / 1000 + 3600,
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid: '1234' } },
    });
    expect(verifyServiceAccountToken(keys, token, { now: NOW + 1000 })).toEqual({ claims });
  });

  it('rejects expired tokens', () => {
    const { token } = sign(keys, 600);
    expect(verifyServiceAccountToken(keys, token, { now: NOW + 600_000 })).toEqual({ error: 'the service account token has expired' });
  });

  it('rejects tampered tokens', () => {
    const { token } = sign();
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims['sub'] = 'system:serviceaccount:kube-system:admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expect(verifyServiceAccountToken(keys, forged, { now: NOW })).toEqual({ error: 'invalid token signature' });
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(verifyServiceAccountToken(keys, flipped, { now: NOW })).toEqual({ error: 'invalid token signature' });
  });

  it('rejects tokens of another key, and other audiences', () => {
    const { token } = sign(ServiceAccountKeys.generate());
    expect(verifyServiceAccountToken(keys, token, { now: NOW })).toEqual({ error: 'invalid token signature' });
    expect(verifyServiceAccountToken(keys, sign(keys, 3600, ['vault']).token, { now: NOW })).toEqual({ error: 'the token audience is not accepted' });
  });

  it('leaves tokens that are not its JWTs to other authenticators', () => {
    expect(verifyServiceAccountToken(keys, 'abcdef.0123456789abcdef', { now: NOW })).toBeUndefined();
    expect(
      verifyServiceAccountToken(new ServiceAccountKeys(keys.signingKey, keys.verificationKeys, 'https://other'), sign().token, { now: NOW }),
    ).toBeUndefined();
  });

  it('loads keys from PEM files: signing key plus extra verification keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-keys-'));
    const old = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), keys.signingKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'old.pub'), old.publicKey.export({ type: 'spki', format: 'pem' }));
    const loaded = ServiceAccountKeys.fromFiles(join(dir, 'sa.key'), [join(dir, 'old.pub')]);
    expect(verifyServiceAccountToken(loaded, sign().token, { now: NOW })).toMatchObject({ claims: { sub: 'system:serviceaccount:default:robot' } });
    const oldKeys = new ServiceAccountKeys(old.privateKey, [old.publicKey]);
    expect(verifyServiceAccountToken(loaded, sign(oldKeys).token, { now: NOW })).toMatchObject({ claims: { sub: 'system:serviceaccount:default:robot' } });
  });
});
