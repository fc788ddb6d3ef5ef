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
 * | StoreSchemaError    | SCHEMA_TOO_NEW    | startup failure   |
 * | StoreCorruptError   | STORE_CORRUPT     | startup failure: restore a snapshot |
 * | StoreUnavailableError | STORE_UNAVAILABLE | 503 (writes refused until the store recovers) |
 * | SnapshotError       | SNAPSHOT_INVALID  | `mk8s snapshot restore` refuses the file |
 */

export type StorageErrorCode =
  | 'KEY_EXISTS'
  | 'KEY_NOT_FOUND'
  | 'CONFLICT'
  | 'COMPACTED'
  | 'FUTURE_REVISION'
  | 'WATCH_OVERFLOW'
  | 'STORE_CLOSED'
  | 'INVALID_KEY'
  | 'LEVEL_LOCKED'
  | 'SCHEMA_TOO_NEW'
  | 'STORE_CORRUPT'
  | 'STORE_UNAVAILABLE'
  | 'SNAPSHOT_INVALID';

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

  /** `during: 'restore'`: `restoreSnapshot` found the target folder in use (a running API server). */
  constructor(
    readonly path: string,
    options?: ErrorOptions & { during?: 'open' | 'restore' },
  ) {
    super(
      options?.during === 'restore'
        ? `storage: cannot restore into ${path}: the database is locked by a running process (an API server?); stop it, then run \`mk8s snapshot restore FILE\` again (LEVEL_LOCKED)`
        : `storage: database at ${path} is locked by another open store (LEVEL_LOCKED)`,
      options,
    );
  }
}

/** How to get a damaged store back: the restore command the CLI provides. */
export const RESTORE_HINT = 'restore the latest snapshot with `mk8s snapshot restore FILE`';

/**
 * The database was written by a newer mk8s whose layout (schema) this code
 * does not know. Opening it could misread or damage it, so it is refused.
 */
export class StoreSchemaError extends StorageError {
  readonly code = 'SCHEMA_TOO_NEW';

  constructor(
    readonly path: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `storage: the database at ${path} was written by a newer mk8s (schema ${found}, this one knows ${known}); ` +
        'refusing to open it: run that newer mk8s, or restore a snapshot taken by this version with `mk8s snapshot restore FILE`',
    );
  }
}

/**
 * The database is damaged or half-written: LevelDB's own files are missing
 * or corrupt, or the store's rows contradict each other. It is refused rather
 * than opened as an empty or inconsistent store. `problems` lists what was
 * found (the message shows the first few).
 */
export class StoreCorruptError extends StorageError {
  readonly code = 'STORE_CORRUPT';

  constructor(
    readonly path: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    const shown = problems.slice(0, 3).join('; ');
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    super(
      `storage: the database at ${path} is damaged and was not opened: ${shown}${more}. ` +
        `To recover, ${RESTORE_HINT} (the damaged folder is kept aside as ${path}.before-restore-<time>)`,
      options,
    );
  }
}

/**
 * The database cannot serve the operation right now: a write failed (a full
 * disk, an I/O error) and the store refuses writes until a background retry
 * has reopened the database and a probe write succeeded (see `health()`);
 * or a read or open hit the same failure. The API server answers 503.
 */
export class StoreUnavailableError extends StorageError {
  readonly code = 'STORE_UNAVAILABLE';

  constructor(
    readonly path: string,
    /** What failed, e.g. `no space left on device`. */
    readonly reason: string,
    /** `recover`: a failed write the store cannot recover from by itself (see the reason). */
    readonly operation: 'write' | 'read' | 'open' | 'recover' = 'write',
    options?: ErrorOptions,
  ) {
    super(
      operation === 'write'
        ? `storage write failed: ${reason} (${path}); writes are refused until the store recovers (it retries in the background)`
        : operation === 'recover'
          ? `storage write failed and the store cannot recover: ${reason} (${path})`
          : `storage ${operation} failed: ${reason} (${path})`,
      options,
    );
  }
}

/** A snapshot file that cannot be restored: not a snapshot, another format, truncated or altered. */
export class SnapshotError extends StorageError {
  readonly code = 'SNAPSHOT_INVALID';

  constructor(
    readonly file: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`storage: snapshot ${file} cannot be restored: ${reason}`, options);
  }
}

/** The messages of `err` and its causes, innermost last. */
function messages(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err; e !== undefined && e !== null; e = e instanceof Error ? e.cause : undefined) {
    out.push(e instanceof Error ? e.message : String(e));
    if (!(e instanceof Error)) break;
  }
  return out;
}

const IO_REASONS: Array<[RegExp, string]> = [
  [/no space left on device|ENOSPC/i, 'no space left on device'],
  [/disk quota exceeded|EDQUOT/i, 'disk quota exceeded'],
  [/read-only file system|EROFS/i, 'read-only file system'],
  [/input\/output error|EIO\b/i, 'input/output error (a failing disk?)'],
  [/permission denied|EACCES|EPERM/i, 'permission denied'],
  [/too many open files|EMFILE|ENFILE/i, 'too many open files'],
];

/** A short, lower-case description of an I/O failure (`no space left on device`), else the innermost message. */
export function describeIoFailure(err: unknown): string {
  const all = messages(err);
  for (const [pattern, reason] of IO_REASONS) if (all.some((m) => pattern.test(m))) return reason;
  return all[all.length - 1] ?? 'unknown error';
}

/** True when `err` (or a cause) is a full disk or an exceeded quota. */
export function isNoSpaceError(err: unknown): boolean {
  return messages(err).some((m) => /no space left on device|ENOSPC|disk quota exceeded|EDQUOT/i.test(m));
}

/** The abstract-level error code of `err` or of one of its causes (`LEVEL_CORRUPTION`, ...). */
export function levelErrorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}
