import { status } from '@grpc/grpc-js';

/**
 * Typed CRI errors. Runtimes throw them; serveCri sends their gRPC status
 * code; CriClient turns a status code back into the same class, so callers
 * (the kubelet) branch with `instanceof` whether the runtime is in process or
 * behind a socket.
 */
export class CriError extends Error {
  /** The gRPC status code (numeric, as in @grpc/grpc-js `status`). */
  readonly code: number;

  constructor(code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The sandbox, container or image does not exist. */
export class NotFoundError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.NOT_FOUND, message, options);
  }
}

/** A sandbox/container with the same metadata (name, attempt) already exists. */
export class AlreadyExistsError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.ALREADY_EXISTS, message, options);
  }
}

/** The request is malformed (missing metadata, empty id...). */
export class InvalidArgumentError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.INVALID_ARGUMENT, message, options);
  }
}

/** The object is not in a state that allows the call (start an exited container...). */
export class FailedPreconditionError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.FAILED_PRECONDITION, message, options);
  }
}

/** The runtime (or its backend: dockerd, the socket) cannot be reached. */
export class UnavailableError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.UNAVAILABLE, message, options);
  }
}

/** The call's deadline passed before the runtime answered. */
export class DeadlineExceededError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.DEADLINE_EXCEEDED, message, options);
  }
}

/** The runtime does not implement this RPC. */
export class UnimplementedError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.UNIMPLEMENTED, message, options);
  }
}

/** Out of a resource (IPs, disk...). */
export class ResourceExhaustedError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.RESOURCE_EXHAUSTED, message, options);
  }
}

/** A bug or unexpected failure inside the runtime. */
export class InternalError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.INTERNAL, message, options);
  }
}

/** A failure with no better code (containerd reports image pull failures this way). */
export class UnknownError extends CriError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(status.UNKNOWN, message, options);
  }
}

type CriErrorClass = new (message: string, options?: { cause?: unknown }) => CriError;

const byCode = new Map<number, CriErrorClass>([
  [status.NOT_FOUND, NotFoundError],
  [status.ALREADY_EXISTS, AlreadyExistsError],
  [status.INVALID_ARGUMENT, InvalidArgumentError],
  [status.FAILED_PRECONDITION, FailedPreconditionError],
  [status.UNAVAILABLE, UnavailableError],
  [status.DEADLINE_EXCEEDED, DeadlineExceededError],
  [status.UNIMPLEMENTED, UnimplementedError],
  [status.RESOURCE_EXHAUSTED, ResourceExhaustedError],
  [status.INTERNAL, InternalError],
  [status.UNKNOWN, UnknownError],
]);

/** The typed error for a gRPC status code; codes without a class give a plain CriError. */
export function criErrorFromCode(code: number, message: string, cause?: unknown): CriError {
  const Cls = byCode.get(code);
  const options = cause === undefined ? undefined : { cause };
  return Cls ? new Cls(message, options) : new CriError(code, message, options);
}

/**
 * The gRPC status code an error travels with: its own for a CriError,
 * INTERNAL for anything else (an unexpected failure in the runtime).
 */
export function grpcCodeOf(err: unknown): number {
  return err instanceof CriError ? err.code : status.INTERNAL;
}

export function isNotFound(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError;
}
