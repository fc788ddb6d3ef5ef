/**
 * Every error the API server answers with is a `StatusError`: it carries the
 * Kubernetes `Status` object (`kind: Status`, `reason`, `code`, `details`)
 * that the single error handler sends. Code that finds a problem throws one
 * of the constructors below; anything else that escapes becomes a 500 whose
 * message hides internals.
 *
 * A Status goes on the wire byte for byte as Kubernetes writes it (Go's
 * encoding/json through a json.Encoder): fields in metav1.Status struct order
 * (kind, apiVersion, metadata, status, message, reason, details, code;
 * details: name, group, kind, uid, causes, retryAfterSeconds; a cause:
 * reason, message, field), empty `omitempty` fields left out (`metadata` is
 * a struct, so `{}` is always there; `details` is a pointer, so `{}` when
 * set), `<`, `>`, `&`, U+2028 and U+2029 escaped, and a trailing newline.
 * The objects built here already have that order; `encodeStatus` writes the
 * bytes, and `statusBodyHook` makes fastify send them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
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

/** A cause as Go writes metav1.StatusCause: reason, message, field, each left out when empty. */
function orderedCause(c: StatusCause): StatusCause {
  const out: StatusCause = {};
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  if (c.field) out.field = c.field;
  return out;
}

/** Details as Go writes metav1.StatusDetails: name, group, kind, uid, causes, retryAfterSeconds, each left out when empty. */
function orderedDetails(d: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes && d.causes.length > 0) out.causes = d.causes.map(orderedCause);
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

/**
 * A Status with its fields in metav1.Status order and Go's omitempty
 * applied: `metadata` always (a struct), `message` and `reason` only when
 * not empty, `details` whenever given (a pointer: `{}` when empty), `code`
 * always (Go leaves out only a 0, which no Status here has).
 */
export function makeStatus(s: {
  status: Status['status'];
  message?: string;
  reason?: StatusReason | '';
  details?: StatusDetails;
  code: number;
  metadata?: Status['metadata'];
}): Status {
  const metadata: { resourceVersion?: string } = {};
  const rv = (s.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  if (rv) metadata.resourceVersion = rv;
  const out: Partial<Status> = { kind: 'Status', apiVersion: 'v1', metadata, status: s.status };
  if (s.message) out.message = s.message;
  if (s.reason) out.reason = s.reason;
  if (s.details) out.details = orderedDetails(s.details);
  out.code = s.code;
  return out as Status;
}

/** Go's json.Encoder escapes these in strings (HTML safety, JavaScript line separators); JSON.stringify does not. */
const GO_ESCAPED = /[<>&\u2028\u2029]/g;
const goEscape = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The bytes Kubernetes sends for `status`: Go's field order and omitempty
 * (whatever order the object's keys are in), Go's escaping, and the newline
 * json.Encoder ends every value with.
 */
export function encodeStatus(status: Status): string {
  return JSON.stringify(makeStatus(status)).replace(GO_ESCAPED, goEscape) + '\n';
}

/** What every serialized Status starts with (`makeStatus` puts kind and apiVersion first). */
const STATUS_PREFIX = '{"kind":"Status","apiVersion":"v1",';

/**
 * A fastify `onSend` hook that writes every Status reply as `encodeStatus`
 * does (error replies and the Success ones), leaving other replies alone.
 * Register it once on the app (`app.addHook('onSend', statusBodyHook)`);
 * it runs for routes, hooks and the not-found handler alike.
 */
export async function statusBodyHook(_req: FastifyRequest, _reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (typeof payload !== 'string' || !payload.startsWith(STATUS_PREFIX) || payload.endsWith('\n')) return payload;
  try {
    return encodeStatus(JSON.parse(payload) as Status);
  } catch {
    return payload;
  }
}

export class StatusError extends Error {
  readonly status: Status;
  constructor(code: number, reason: StatusReason | '', message: string, details?: StatusDetails) {
    super(message);
    this.name = 'StatusError';
    this.status = makeStatus({ status: 'Failure', message, reason, details, code });
  }
  get code(): number {
    return this.status.code;
  }
  /** '' is Kubernetes' StatusReasonUnknown, for codes no reason names (417, 431). */
  get reason(): StatusReason | '' {
    return this.status.reason ?? '';
  }
  /** The reply body, as Kubernetes writes it (see `encodeStatus`). */
  get body(): string {
    return encodeStatus(this.status);
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
      // Kubernetes' qualified kind (GroupKind.String()): `Deployment.apps`, `Pod` for the core group.
      `${t.group ? `${t.kind}.${t.group}` : t.kind} "${t.name ?? ''}" is invalid: ${fieldErrors.length === 1 ? formatFieldError(fieldErrors[0]!) : `[${fieldErrors.map(formatFieldError).join(', ')}]`}`,
      { name: t.name, group: t.group, kind: t.kind, causes: fieldErrors.map((e) => ({ reason: e.type, message: e.message, field: e.field })) },
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
/**
 * A Success Status. A create that answers with one (pods/binding,
 * pods/eviction) carries code 201 and no details, as Kubernetes' create
 * handler fills in the code of a Status the storage returned without one.
 */
export function successStatus(details?: StatusDetails, code = 200): Status {
  return makeStatus({ status: 'Success', details, code });
}
