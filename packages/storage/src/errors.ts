/**
 * Errors of the storage layer. Every failure the store reports on purpose is a
 * `StorageError` with a stable `code`, so callers (the API server) map them by
 * `instanceof` or by `code` without parsing messages:
 *
 * | class               | code              | API server answer |
 * |---------------------|-------------------|-------------------|
 * | KeyExistsError      | KEY_EXISTS        | 409 AlreadyExists |
 * | KeyNotFoundError    | KEY_NOT_FOUND     | 404 NotFound      |
 * | ConflictError       | CONFLICT          | 409 Conflict      |
 * | CompactedError      | COMPACTED         | 410 Gone          |
 * | FutureRevisionError | FUTURE_REVISION   | 504 / retry       |
 * | WatchOverflowError  | WATCH_OVERFLOW    | end the watch; the client re-lists |
 * | StoreClosedError    | STORE_CLOSED      | 503               |
 * | InvalidKeyError     | INVALID_KEY       | 500 (a programming error) |
 * | StoreLockedError    | LEVEL_LOCKED      | startup failure   |
 */

export type StorageErrorCode =
  'KEY_EXISTS' | 'KEY_NOT_FOUND' | 'CONFLICT' | 'COMPACTED' | 'FUTURE_REVISION' | 'WATCH_OVERFLOW' | 'STORE_CLOSED' | 'INVALID_KEY' | 'LEVEL_LOCKED';

/** Base of every error the store throws deliberately. */
export abstract class StorageError extends Error {
  abstract readonly code: StorageErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `create` of a key that already exists. */
export class KeyExistsError extends StorageError {
  readonly code = 'KEY_EXISTS';

  constructor(readonly key: string) {
    super(`storage: key already exists: ${key}`);
  }
}

/** `update` or `delete` of a key that does not exist. */
export class KeyNotFoundError extends StorageError {
  readonly code = 'KEY_NOT_FOUND';

  constructor(readonly key: string) {
    super(`storage: key not found: ${key}`);
  }
}

/**
 * Compare-and-swap failed: the key's `modRevision` is not the expected one.
 * `actualModRevision` lets the caller report or retry without another read.
 */
export class ConflictError extends StorageError {
  readonly code = 'CONFLICT';

  constructor(
    readonly key: string,
    readonly expectedModRevision: number,
    readonly actualModRevision: number,
  ) {
    super(`storage: conflict on ${key}: expected modRevision ${expectedModRevision}, actual ${actualModRevision}`);
  }
}

/**
 * A read or watch asked for history that compaction already removed. The
 * message follows etcd's so that operators recognise it.
 */
export class CompactedError extends StorageError {
  readonly code = 'COMPACTED';

  constructor(
    readonly requestedRevision: number,
    readonly compactedRevision: number,
  ) {
    super(`mvcc: required revision has been compacted (requested ${requestedRevision}, compacted ${compactedRevision})`);
  }
}

/** A read (or compaction) asked for a revision the store has not reached yet. */
export class FutureRevisionError extends StorageError {
  readonly code = 'FUTURE_REVISION';

  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number,
  ) {
    super(`mvcc: required revision is a future revision (requested ${requestedRevision}, current ${currentRevision})`);
  }
}

/**
 * A watcher fell more than `limit` events behind. The watch is ended rather
 * than buffering without bound; the consumer re-lists and watches again.
 */
export class WatchOverflowError extends StorageError {
  readonly code = 'WATCH_OVERFLOW';

  constructor(
    readonly limit: number,
    readonly unit: 'events' | 'bytes' = 'events',
  ) {
    super(
      unit === 'events'
        ? `storage: watcher fell more than ${limit} events behind and was ended`
        : `storage: watcher buffered more than ${limit} bytes of events and was ended`,
    );
  }
}

/** An operation on a store that is closed (or closing). */
export class StoreClosedError extends StorageError {
  readonly code = 'STORE_CLOSED';

  constructor() {
    super('storage: store is closed');
  }
}

/** A key the store cannot hold: empty, or containing NUL (reserved as a separator). */
export class InvalidKeyError extends StorageError {
  readonly code = 'INVALID_KEY';

  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`storage: invalid key ${JSON.stringify(key)}: ${reason}`);
  }
}

/** The database folder is already open in this or another process (LevelDB's LOCK file). */
export class StoreLockedError extends StorageError {
  readonly code = 'LEVEL_LOCKED';

  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(`storage: database at ${path} is locked by another open store (LEVEL_LOCKED)`, options);
  }
}
