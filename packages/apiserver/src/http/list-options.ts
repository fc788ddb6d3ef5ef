/**
 * The options of a list or watch request (Kubernetes' ListOptions), parsed
 * and validated in one place as Kubernetes' ValidateListOptions does, so a
 * list and a watch refuse the same malformed parameters: integers must parse
 * even where the verb ignores them (`limit` on a watch), `resourceVersion`
 * must be a uint64, and `resourceVersionMatch` is checked against its verb.
 * `sendInitialEvents` (watch-list) is refused as on a cluster whose WatchList
 * feature gate is off. Invalid combinations are 422s on `ListOptions`.
 */
import { fieldErrors, type FieldError } from '@mk8s/api';
import { errors } from '../errors.js';
import { parseResourceVersion } from '../registry/resource-version.js';
import { bool, int, str, type Query } from './query.js';

export interface ListOptions {
  /** The parameter as sent (empty and `0` mean "any version"). */
  rawResourceVersion: string | undefined;
  /** The parsed version; undefined for "any". */
  resourceVersion: bigint | undefined;
  resourceVersionMatch: string | undefined;
  limit: number | undefined;
  continue: string | undefined;
  timeoutSeconds: number | undefined;
  allowWatchBookmarks: boolean;
}

export function listOptions(q: Query, verb: 'list' | 'watch'): ListOptions {
  const limit = int(q, 'limit');
  const timeoutSeconds = int(q, 'timeoutSeconds');
  const rawResourceVersion = str(q, 'resourceVersion');
  const resourceVersion = parseResourceVersion(rawResourceVersion);
  const match = str(q, 'resourceVersionMatch') || undefined;
  const cont = str(q, 'continue') || undefined;
  const errs: FieldError[] = [];
  const path = 'resourceVersionMatch';
  if (q['sendInitialEvents'] !== undefined) {
    errs.push(
      fieldErrors.forbidden(
        'sendInitialEvents',
        verb === 'list' ? 'sendInitialEvents is forbidden for list' : 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
      ),
    );
  }
  if (match !== undefined && verb === 'list') {
    if (!rawResourceVersion) errs.push(fieldErrors.forbidden(path, 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (cont) errs.push(fieldErrors.forbidden(path, 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(fieldErrors.notSupported(path, match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && rawResourceVersion === '0')
      errs.push(fieldErrors.forbidden(path, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (match !== undefined && verb === 'watch') {
    errs.push(fieldErrors.forbidden(path, 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') errs.push(fieldErrors.notSupported(path, match, ['NotOlderThan']));
    if (cont) errs.push(fieldErrors.forbidden(path, 'resourceVersionMatch is forbidden when continue is provided'));
  }
  if (errs.length > 0) throw errors.invalidOptions('ListOptions', errs);
  return {
    rawResourceVersion,
    resourceVersion,
    resourceVersionMatch: match,
    limit,
    continue: cont,
    timeoutSeconds,
    allowWatchBookmarks: bool(q, 'allowWatchBookmarks'),
  };
}
