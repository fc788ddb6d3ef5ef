/**
 * DeleteOptions of a DELETE (or an eviction): from the body and the query,
 * the query winning, with the 400s Kubernetes gives for malformed ones.
 */
import { errors } from '../errors.js';
import type { Obj } from '../cache/watch-cache.js';
import type { DeleteOptions } from '../registry/registry.js';
import { bool, dryRun, int, str, type Query } from './query.js';

export function parseDeleteOptions(body: unknown, q: Query): DeleteOptions {
  const opts: DeleteOptions = {};
  if (body !== undefined && body !== null && body !== '') {
    if (typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of a DELETE must be a DeleteOptions object');
    const b = body as Obj;
    if (b['kind'] !== undefined && b['kind'] !== 'DeleteOptions') {
      throw errors.badRequest(`${String(b['kind'])} is not suitable for deleting: expected DeleteOptions`);
    }
    if (b['gracePeriodSeconds'] !== undefined && b['gracePeriodSeconds'] !== null) {
      if (!Number.isInteger(b['gracePeriodSeconds'])) throw errors.badRequest('gracePeriodSeconds must be an integer');
      opts.gracePeriodSeconds = b['gracePeriodSeconds'] as number;
    }
    if (typeof b['propagationPolicy'] === 'string') opts.propagationPolicy = b['propagationPolicy'] as DeleteOptions['propagationPolicy'];
    if (typeof b['orphanDependents'] === 'boolean') opts.orphanDependents = b['orphanDependents'];
    if (b['preconditions'] && typeof b['preconditions'] === 'object') opts.preconditions = b['preconditions'] as DeleteOptions['preconditions'];
    if (Array.isArray(b['dryRun']) && b['dryRun'].length > 0) opts.dryRun = true;
  }
  const grace = int(q, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = str(q, 'propagationPolicy');
  if (policy) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  if (str(q, 'orphanDependents') !== undefined) opts.orphanDependents = bool(q, 'orphanDependents');
  if (dryRun(q, 'DeleteOptions')) opts.dryRun = true;
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw errors.badRequest(`propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 0;
  return opts;
}
