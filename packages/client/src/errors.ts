/**
 * Errors from the API server as typed values: every non-2xx reply becomes an
 * `ApiError` carrying the server's `Status` (or one synthesised from the HTTP
 * code when the body is not a Status), and the predicates below classify it
 * the way client-go's apierrors do.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion?: string;
  metadata?: Record<string, unknown>;
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? `the server answered ${status.code}${status.reason ? ` (${status.reason})` : ''}`);
    this.name = 'ApiError';
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
}

/** Builds an ApiError from a reply: the Status body when there is one, else the HTTP code. */
export function apiErrorFrom(code: number, body: unknown, fallbackMessage?: string): ApiError {
  if (body && typeof body === 'object' && (body as { kind?: unknown }).kind === 'Status') {
    const s = body as Status;
    return new ApiError({ ...s, code: s.code || code });
  }
  const text = typeof body === 'string' ? body.slice(0, 500) : '';
  return new ApiError({
    kind: 'Status',
    status: 'Failure',
    code,
    reason: reasonForCode(code),
    message: fallbackMessage ?? (text || `the server answered ${code}`),
  });
}

function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 413:
      return 'RequestEntityTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return code >= 500 ? 'InternalError' : '';
  }
}

function api(err: unknown): ApiError | undefined {
  return err instanceof ApiError ? err : undefined;
}

export const isNotFound = (err: unknown): boolean => api(err)?.code === 404;
export const isAlreadyExists = (err: unknown): boolean => api(err)?.reason === 'AlreadyExists';
/** A stale resourceVersion or failed precondition (409 Conflict, not AlreadyExists). */
export const isConflict = (err: unknown): boolean => api(err)?.code === 409 && api(err)?.reason !== 'AlreadyExists';
/** The resourceVersion is too old (410 Gone / Expired): relist. */
export const isGone = (err: unknown): boolean => api(err)?.code === 410 || api(err)?.reason === 'Expired' || api(err)?.reason === 'Gone';
export const isInvalid = (err: unknown): boolean => api(err)?.code === 422;
export const isBadRequest = (err: unknown): boolean => api(err)?.code === 400;
export const isForbidden = (err: unknown): boolean => api(err)?.code === 403;
export const isUnauthorized = (err: unknown): boolean => api(err)?.code === 401;
export const isTooManyRequests = (err: unknown): boolean => api(err)?.code === 429;
export const isServiceUnavailable = (err: unknown): boolean => api(err)?.code === 503;
export const isTimeout = (err: unknown): boolean => api(err)?.code === 504 || api(err)?.reason === 'Timeout';
export const isMethodNotAllowed = (err: unknown): boolean => api(err)?.code === 405;

/** Errors worth retrying as they are: server-side trouble and throttling, not bad requests. */
export const isRetryable = (err: unknown): boolean => {
  const e = api(err);
  if (!e) return true; // transport failures: connection refused, reset
  return e.code === 429 || e.code >= 500;
};
