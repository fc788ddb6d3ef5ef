/**
 * `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token` (`kubectl
 * create token`): an authentication.k8s.io/v1 TokenRequest answered with a
 * token signed for the ServiceAccount, never stored. `spec.expirationSeconds`
 * defaults to 3600 and may not be under 600; `spec.audiences` defaults to the
 * issuer (the audience the API server accepts).
 */
import { metaTime, resourceFor } from '@mk8s/api';
import { errors } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { signServiceAccountToken, type ServiceAccountKeys } from './service-account-token.js';

type Obj = Record<string, unknown>;

export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;

function invalid(name: string, field: string, value: unknown, message: string): Error {
  return errors.invalid({ qualifiedResource: 'tokenrequests', group: 'authentication.k8s.io', kind: 'TokenRequest', name }, [
    { type: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` },
  ]);
}

export async function tokenRequest(
  keys: ServiceAccountKeys,
  registry: Registry,
  now: () => number,
  namespace: string,
  name: string,
  body: unknown,
): Promise<Obj> {
  const req = (body && typeof body === 'object' ? body : {}) as Obj;
  if (req['kind'] !== undefined && req['kind'] !== 'TokenRequest') throw errors.badRequest(`${String(req['kind'])} is not a TokenRequest`);
  const spec = ((req['spec'] as Obj | undefined) ?? {}) as Obj;
  const rawExp = spec['expirationSeconds'];
  const exp = rawExp === undefined || rawExp === null ? DEFAULT_TOKEN_EXPIRATION_SECONDS : Number(rawExp);
  if (!Number.isInteger(exp)) throw invalid(name, 'spec.expirationSeconds', rawExp, 'must be an integer');
  if (exp < MIN_TOKEN_EXPIRATION_SECONDS) throw invalid(name, 'spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes');
  if (exp > 2 ** 32) throw invalid(name, 'spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds');
  const rawAud = spec['audiences'];
  if (rawAud !== undefined && rawAud !== null && (!Array.isArray(rawAud) || rawAud.some((a) => typeof a !== 'string')))
    throw invalid(name, 'spec.audiences', rawAud, 'must be a list of strings');
  const audiences = Array.isArray(rawAud) && rawAud.length > 0 ? (rawAud as string[]) : [keys.issuer];
  const sa = await registry.get(resourceFor('', 'v1', 'serviceaccounts')!, namespace, name);
  const uid = String(((sa['metadata'] ?? {}) as Obj)['uid'] ?? '');
  const at = now();
  const { token, claims } = signServiceAccountToken(keys, { namespace, name, uid }, { audiences, expirationSeconds: exp, now: at });
  const meta = ((req['metadata'] as Obj | undefined) ?? {}) as Obj;
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...meta, name, namespace, creationTimestamp: null },
    spec: { ...spec, audiences, expirationSeconds: exp, boundObjectRef: spec['boundObjectRef'] ?? null },
    status: { token, expirationTimestamp: metaTime(claims.exp * 1000) },
  };
}
