/**
 * resourceVersion parameters, read as Kubernetes' APIObjectVersioner reads
 * them: `strconv.ParseUint(s, 10, 64)`, with empty and `0` meaning "any
 * version". Values are BigInts so that a version past 2^53 (which no mk8s
 * store reaches) is compared and reported exactly instead of being rounded.
 */
import { errors } from '../errors.js';

const UINT64_LIMIT = 2n ** 64n;

/** undefined for "any version" (absent, empty, `0`); a 400 for anything that is not a uint64. */
export function parseResourceVersion(raw: string | undefined): bigint | undefined {
  if (raw === undefined || raw === '' || raw === '0') return undefined;
  if (!/^\d+$/.test(raw) || BigInt(raw) >= UINT64_LIMIT) throw errors.badRequest(`invalid resource version: ${raw}`);
  return BigInt(raw);
}

/**
 * The revision to read or watch from, or the 504 Kubernetes answers for a
 * version the store has not reached ("Too large resource version").
 */
export function revisionAtMost(rv: bigint, current: number): number {
  if (rv > BigInt(current)) throw errors.timeout(`Too large resource version: ${rv}, current: ${current}`);
  return Number(rv);
}
