/**
 * The one error type the patch package throws. Each instance carries the HTTP
 * status code and the Kubernetes `Status.reason` the API server should answer
 * with, so the server's error handler can turn it into a `kind: Status` body
 * without knowing anything about patching.
 *
 * The codes follow kube-apiserver's PATCH handler:
 * - 400 BadRequest: the patch body cannot be decoded (not JSON, not an array
 *   of operations, a malformed directive, an unknown `$patch` value);
 * - 415 UnsupportedMediaType: the Content-Type names no patch type we serve;
 * - 422 Invalid: the patch decoded but could not be applied (a JSON-patch
 *   `test` failed, a path does not exist, a list of lists) or its result is
 *   not an object. Kubernetes answers a failed JSON patch with the generic
 *   message below and drops the underlying cause; we keep the cause in
 *   `detail` so the server may add it to `Status.details.causes`.
 * - 409 Conflict is part of the contract for callers that map precondition
 *   failures through this type; the patch functions themselves never throw it.
 */
export type PatchErrorCode = 400 | 409 | 415 | 422;

export type PatchErrorReason = 'BadRequest' | 'Conflict' | 'UnsupportedMediaType' | 'Invalid';

/** Kubernetes' fixed message for a 422 produced while applying a patch. */
export const UNPROCESSABLE_PATCH_MESSAGE = 'the server rejected our request due to an error in our request';

export class PatchError extends Error {
  override readonly name = 'PatchError';
  readonly code: PatchErrorCode;
  readonly reason: PatchErrorReason;
  /** The underlying cause when `message` is deliberately generic. */
  readonly detail: string | undefined;

  constructor(code: PatchErrorCode, reason: PatchErrorReason, message: string, detail?: string) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.detail = detail;
  }

  /** 400: the patch document itself is malformed. */
  static badRequest(message: string): PatchError {
    return new PatchError(400, 'BadRequest', message);
  }

  /** 422 with Kubernetes' generic message; `detail` says what went wrong. */
  static unprocessable(detail: string): PatchError {
    return new PatchError(422, 'Invalid', UNPROCESSABLE_PATCH_MESSAGE, detail);
  }

  /** 422 with a specific message (used when the result is not an object). */
  static invalid(message: string): PatchError {
    return new PatchError(422, 'Invalid', message);
  }

  /** 415: the request's Content-Type is not a patch type we apply. */
  static unsupportedMediaType(message: string): PatchError {
    return new PatchError(415, 'UnsupportedMediaType', message);
  }
}
