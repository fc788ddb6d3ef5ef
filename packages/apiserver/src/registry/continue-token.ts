/**
 * List paging tokens. Like Kubernetes', a token carries the revision of the
 * first page and the key to continue after, so every page of one list reads
 * the same snapshot. Clients must treat it as opaque.
 */
import { errors } from '../errors.js';

interface Token {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

export function encodeContinue(revision: number, lastKey: string): string {
  const token: Token = { v: 'meta.k8s.io/v1', rv: revision, start: lastKey };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodeContinue(value: string, keyPrefix: string): { revision: number; after: string } {
  let token: Partial<Token>;
  try {
    token = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data');
  }
  if (token.v !== 'meta.k8s.io/v1' || typeof token.rv !== 'number' || typeof token.start !== 'string' || token.rv <= 0) {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (!token.start.startsWith(keyPrefix)) throw errors.badRequest('continue key is not valid: key does not match the request');
  return { revision: token.rv, after: token.start };
}
