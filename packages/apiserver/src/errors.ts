/**
 * Every error the API server answers with is a `StatusError`: it carries the
 * Kubernetes `Status` object (`kind: Status`, `reason`, `code`, `details`)
 * that the single error handler sends. Code that finds a problem throws one
 * of the constructors below; anything else that escapes becomes a 500 whose
 * message hides internals.
 */
import type { FieldError } from '@mk8s/api';
import { formatFieldError } from '@mk8s/api';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'Timeout'
  | 'Expired'
  | 'InternalError'
  | 'ServiceUnavailable'
  /** Not one of Kubernetes' reasons: only mk8s' own endpoints (the snapshot) answer 501. */
  | 'NotImplemented';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

/** Identifies the object an error is about, for `details` and messages. */
export interface Target {
  /** Lower-case plural resource, e.g. `pods`, qualified with the group when not core: `deployments.apps`. */
  qualifiedResource: string;
  group: string;
  /** Kind for `Invalid` messages and details, e.g. `Pod`. */
  kind: string;
  name?: string;
}

export class StatusError extends Error {
  readonly status: Status;
  constructor(code: number, reason: StatusReason | '', message: string, details?: StatusDetails) {
    super(message);
    this.name = 'StatusError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (details && Object.keys(details).length > 0) this.status.details = details;
  }
  get code(): number {
    return this.status.code;
  }
  /** '' is Kubernetes' StatusReasonUnknown, for codes no reason names (417, 431). */
  get reason(): StatusReason | '' {
    return this.status.reason ?? '';
  }
}

function detailsOf(t: Target, extra: StatusDetails = {}): StatusDetails {
  const d: StatusDetails = { ...extra };
  if (t.name !== undefined) d.name = t.name;
  if (t.group) d.group = t.group;
  d.kind = t.qualifiedResource.split('.')[0];
  return d;
}

export const errors = {
  badRequest: (message: string, causes?: StatusCause[]) => new StatusError(400, 'BadRequest', message, causes ? { causes } : undefined),
  notFound: (t: Target) => new StatusError(404, 'NotFound', `${t.qualifiedResource} "${t.name ?? ''}" not found`, detailsOf(t)),
  /** A path or resource that does not exist at all (no name to report). */
  notFoundPath: (message = 'the server could not find the requested resource') => new StatusError(404, 'NotFound', message, {}),
  alreadyExists: (t: Target) => new StatusError(409, 'AlreadyExists', `${t.qualifiedResource} "${t.name ?? ''}" already exists`, detailsOf(t)),
  conflict: (t: Target, why: string) =>
    new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${t.qualifiedResource} "${t.name ?? ''}": ${why}`, detailsOf(t)),
  invalid: (t: Target, fieldErrors: readonly FieldError[]) =>
    new StatusError(
      422,
      'Invalid',
      `${t.kind} "${t.name ?? ''}" is invalid: ${fieldErrors.length === 1 ? formatFieldError(fieldErrors[0]!) : `[${fieldErrors.map(formatFieldError).join(', ')}]`}`,
      {
        name: t.name ?? '',
        group: t.group || undefined,
        kind: t.kind,
        causes: fieldErrors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
      },
    ),
  /** Invalid request options (`ListOptions`, `CreateOptions`, ...), as Kubernetes reports them: a 422 on `<Kind>.meta.k8s.io ""`. */
  invalidOptions: (kind: string, fieldErrors: readonly FieldError[]) =>
    new StatusError(
      422,
      'Invalid',
      `${kind}.meta.k8s.io "" is invalid: ${fieldErrors.length === 1 ? formatFieldError(fieldErrors[0]!) : `[${fieldErrors.map(formatFieldError).join(', ')}]`}`,
      { name: '', group: 'meta.k8s.io', kind, causes: fieldErrors.map((e) => ({ reason: e.type, message: e.message, field: e.field })) },
    ),
  gone: (message: string) => new StatusError(410, 'Expired', message),
  forbidden: (t: Target, why: string) => new StatusError(403, 'Forbidden', `${t.qualifiedResource} "${t.name ?? ''}" is forbidden: ${why}`, detailsOf(t)),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') => new StatusError(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => new StatusError(406, 'NotAcceptable', message),
  notImplemented: (message: string) => new StatusError(501, 'NotImplemented', message),
  tooLarge: (message = 'the request entity is too large') => new StatusError(413, 'RequestEntityTooLarge', message),
  unsupportedMediaType: (accepted: readonly string[]) =>
    new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),
  unavailable: (message: string, retryAfterSeconds?: number) =>
    new StatusError(503, 'ServiceUnavailable', message, retryAfterSeconds ? { retryAfterSeconds } : undefined),
  timeout: (message: string) => new StatusError(504, 'Timeout', message),
  internal: (message = 'an error on the server has prevented the request from succeeding') => new StatusError(500, 'InternalError', message),
};

/** A successful deletion reply for resources that answer with a Status. */
export function successStatus(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
