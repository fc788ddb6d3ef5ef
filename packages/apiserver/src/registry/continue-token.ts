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

/**
 * Reads a token for a list under `keyPrefix`. Anything but a token this server
 * could have issued for that list, at a revision the store has reached, is a
 * 400; a token past compaction is the store's 410, found when it is read.
 */
export function decodeContinue(value: string, keyPrefix: string, currentRevision: number): { revision: number; after: string } {
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data');
  }
  const t = (typeof token === 'object' && token !== null && !Array.isArray(token) ? token : {}) as Partial<Record<keyof Token, unknown>>;
  if (t.v !== 'meta.k8s.io/v1' || typeof t.start !== 'string' || !Number.isSafeInteger(t.rv) || (t.rv as number) <= 0) {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  const revision = t.rv as number;
  if (revision > currentRevision) {
    throw errors.badRequest(`continue key is not valid: its resourceVersion ${revision} is newer than the current ${currentRevision}`);
  }
  if (!t.start.startsWith(keyPrefix)) throw errors.badRequest('continue key is not valid: key does not match the request');
  return { revision, after: t.start };
}
