import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  CriError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  UnavailableError,
  UnimplementedError,
  UnknownError,
  criErrorFromCode,
  grpcCodeOf,
  isNotFound,
} from './errors.js';

describe('CRI errors', () => {
  const table = [
    [NotFoundError, status.NOT_FOUND],
    [AlreadyExistsError, status.ALREADY_EXISTS],
    [InvalidArgumentError, status.INVALID_ARGUMENT],
    [FailedPreconditionError, status.FAILED_PRECONDITION],
    [UnavailableError, status.UNAVAILABLE],
    [DeadlineExceededError, status.DEADLINE_EXCEEDED],
    [UnimplementedError, status.UNIMPLEMENTED],
    [ResourceExhaustedError, status.RESOURCE_EXHAUSTED],
    [InternalError, status.INTERNAL],
    [UnknownError, status.UNKNOWN],
  ] as const;

  it.each(table)('%o carries its gRPC code both ways', (Cls, code) => {
    const err = new Cls('boom');
    expect(err).toBeInstanceOf(CriError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.name).toBe(Cls.name);
    expect(grpcCodeOf(err)).toBe(code);

    const back = criErrorFromCode(code, 'again');
    expect(back).toBeInstanceOf(Cls);
    expect(back.message).toBe('again');
  });

  it('keeps codes without a class as a plain CriError', () => {
    const err = criErrorFromCode(status.PERMISSION_DENIED, 'nope', new Error('root cause'));
    expect(err.constructor).toBe(CriError);
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect((err.cause as Error).message).toBe('root cause');
  });

  it('sends anything that is not a CriError as INTERNAL', () => {
    expect(grpcCodeOf(new TypeError('bug'))).toBe(status.INTERNAL);
    expect(grpcCodeOf('a string')).toBe(status.INTERNAL);
  });

  it('isNotFound narrows only NotFoundError', () => {
    expect(isNotFound(new NotFoundError('x'))).toBe(true);
    expect(isNotFound(new CriError(status.NOT_FOUND, 'x'))).toBe(false);
    expect(isNotFound(new Error('not found'))).toBe(false);
  });
});
