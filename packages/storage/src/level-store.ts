/**
 * `LevelStore`: the embedded implementation of `Store` over one abstract-level
 * database (classic-level on disk, memory-level in memory). See layout.ts for
 * the rows it keeps.
 *
 * Writes: a single writer with group commit. A write joins a queue; the writer
 * takes everything queued (bounded by `maxBatchOps` / `maxBatchBytes`),
 * validates each request in order against the in-memory index (plus the
 * effects of earlier requests of the same batch), gives each valid one the
 * next revision, and commits all rows plus `m/rev` as ONE atomic batch
 * (`sync: true` unless `durable: false`). Only then does the index advance,
 * watchers receive the events, and the promises settle. So a resolved write
 * is on disk, revisions have no gaps, and watchers never see a write that a
 * crash could undo.
 *
 * Reads at a revision R go to the history rows (newest version <= R per key),
 * so a list at a fixed revision stays consistent while writes continue, and
 * versions written but not yet acknowledged (revision > R) are never seen.
 *
 * Watch: subscribe to live events first, note the revision at that instant,
 * replay the log up to exactly that revision from a snapshot, then stream the
 * live buffer. Live events all have higher revisions than the replay (the
 * index, the revision and the dispatch advance together, synchronously), so
 * the seam has no gap; duplicates are dropped by revision all the same.
 *
 * Opening checks the folder, the schema (schema.ts: migrations run, a newer
 * schema is refused) and the database's integrity (integrity.ts): a damaged
 * or half-written database fails with StoreCorruptError instead of opening
 * as an empty or inconsistent store.
 *
 * Failed writes (a full disk, an I/O error): LevelDB may have appended part
 * of the failed batch to its log, and a write appended after that partial
 * record can be lost when the log is replayed; it also keeps a sticky error
 * after some failures. So after a failed commit the store writes nothing
 * more to that handle: it turns unhealthy (`health()`), rejects writes with
 * StoreUnavailableError, and retries in the background (1 s, doubling up to
 * 10 s): wait for free space if the disk was full, close and reopen the
 * database (LevelDB drops the partial record), check that `m/rev` is the
 * acknowledged revision, and commit a probe batch. Then it is healthy again.
 * The index and revision never advanced for the failed batch; if the reopened
 * database holds it after all (its sync failed after the write), the store
 * adopts it from the log and tells watchers, like any other write.
 */
import { statfs } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import type { AbstractBatchOptions, AbstractLevel, AbstractSnapshot } from 'abstract-level';
import type { HistoryStats, KeyValue, ListOptions, ListResult, Store, StoreHealth, WatchEvent, WatchOptions } from './store.js';
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  StoreClosedError,
  StoreLockedError,
  StoreUnavailableError,
  RESTORE_HINT,
  describeIoFailure,
  isNoSpaceError,
  levelErrorCodes,
} from './errors.js';
import { asOpenError, checkFolder, loadState, verifyDatabase } from './integrity.js';
import type { IndexEntry } from './integrity.js';
import { prepareSchema } from './schema.js';
import type { SchemaReport } from './schema.js';
import { writeSnapshot } from './snapshot.js';
import type { SnapshotInfo } from './snapshot.js';
import {
  HISTORY_PREFIX,
  LOG_PREFIX,
  META_COMPACTED,
  META_PROBE,
  META_REVISION,
  checkKey,
  currentKey,
  decodeCurrent,
  decodeHistory,
  decodeLog,
  encodeCurrent,
  encodeLog,
  encodeTombstone,
  encodeVersion,
  historyKey,
  historyKeyEnd,
  logKey,
  parseHistoryKey,
  parseLogKey,
  parseRevision,
  prefixEnd,
} from './layout.js';
import type { CurrentRow, LogEntry } from './layout.js';
import { SeekCursor } from './seek-cursor.js';
import { WatchChannel } from './watch-channel.js';

/** Any abstract-level database with string keys and values. */
export type LevelDatabase = AbstractLevel<string | Buffer | Uint8Array, string, string>;

export interface LevelStoreOptions {
  /** Folder of a classic-level (LevelDB) database. Absent: in memory (memory-level). */
  path?: string;
  /** Use this database instead (opened if needed; closed by `close()`). Overrides `path`. */
  db?: LevelDatabase;
  /** `sync: true` batches (default). `false` trades crash safety for speed: for tests and benchmarks. */
  durable?: boolean;
  /** Events a watcher may fall behind before it ends with WatchOverflowError (default 10,000). */
  watchBufferSize?: number;
  /** Bytes of event values a watcher may fall behind before it ends with WatchOverflowError (default 64 MiB). */
  watchBufferBytes?: number;
  /**
   * Byte budget of superseded history (previous versions, tombstones, log
   * rows) kept for watches and reads at older revisions; past it the store
   * compacts itself, oldest revisions first, down to 3/4 of the budget (reads
   * and watches at compacted revisions then fail with CompactedError). Only
   * history written since the store was opened counts. Default: unbounded
   * (a compactor bounds history by time).
   */
  maxHistoryBytes?: number;
  /** Called when a compaction started for `maxHistoryBytes` fails (the next write retries). */
  onCompactionError?: (err: unknown) => void;
  /** Most write requests committed in one batch (default 1,000). */
  maxBatchOps?: number;
  /** Approximate byte budget of one batch (default 4 MiB); a single larger write still goes alone. */
  maxBatchBytes?: number;
  /** After a failed write, first retry to recover after this many ms (default 1,000); doubles per failed retry. */
  recoveryIntervalMs?: number;
  /** Longest wait between two recovery retries (default 10,000 ms). */
  maxRecoveryIntervalMs?: number;
  /**
   * After a full disk, the free bytes the filesystem must have before the
   * store closes and reopens the database (default 4 MiB: LevelDB rewrites
   * its log into a table on open). Reads keep working until then.
   */
  recoveryMinFreeBytes?: number;
  /** Called when the store turns unhealthy or healthy again (for logs; `health()` tells the same). */
  onHealthChange?: (health: StoreHealth) => void;
}

type WriteRequest =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expected: number | undefined }
  | { kind: 'delete'; key: string; expected: number | undefined };

interface PendingWrite {
  request: WriteRequest;
  resolve: (kv: KeyValue) => void;
  reject: (err: unknown) => void;
}

/** classic-level's `sync` flag (LevelDB fsync before acknowledging); other backends ignore it. */
type WriteOptions = AbstractBatchOptions<string, string> & { sync?: boolean };

type BatchOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

const NO_SYNC: WriteOptions = { sync: false };
const DEFAULT_WATCH_BUFFER = 10_000;
const DEFAULT_WATCH_BUFFER_BYTES = 64 * 1024 * 1024;
/** Fixed overhead of a history or log row beyond its key and value (approximate). */
const ROW_OVERHEAD = 48;
const DEFAULT_MAX_BATCH_OPS = 1_000;
const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;
const REPLAY_CHUNK = 256;
const COMPACT_CHUNK = 1_000;
const DEFAULT_RECOVERY_INTERVAL_MS = 1_000;
const DEFAULT_MAX_RECOVERY_INTERVAL_MS = 10_000;
const DEFAULT_RECOVERY_MIN_FREE_BYTES = 4 * 1024 * 1024;
/** Value size of the recovery probe write. */
const PROBE_BYTES = 4096;

/** Why the store refuses writes, and how recovery is going. */
interface Failure {
  reason: string;
  cause: unknown;
  since: number;
  attempts: number;
  lastAttemptError?: string;
  /** Recovery is impossible (acknowledged writes are missing): no more retries. */
  fatal: boolean;
}

/** `message: cause message: ...` of an error and its causes. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : String(e));
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ');
}

/** Errors that mean the database handle is closed (being reopened) under an operation. */
function isNotOpenError(err: unknown): boolean {
  return levelErrorCodes(err).some((code) => code === 'LEVEL_DATABASE_NOT_OPEN' || code === 'LEVEL_ITERATOR_NOT_OPEN' || code === 'LEVEL_DATABASE_NOT_CLOSED');
}

/** Superseded history written in a run of revisions ending at `rev`: what compacting up to `rev` frees. */
interface GarbageBucket {
  rev: number;
  bytes: number;
}

/** Bytes that become garbage once a compaction passes this write's revision: its log row and the version it supersedes. */
function garbageBytes(event: WatchEvent): number {
  const key = event.kv.key.length;
  let bytes = key + ROW_OVERHEAD; // log row
  if (event.prevKv) bytes += key + ROW_OVERHEAD + event.prevKv.value.length; // the superseded version
  if (event.type === 'delete') bytes += key + ROW_OVERHEAD; // the tombstone
  return bytes;
}

function freezeEvent(event: WatchEvent): WatchEvent {
  Object.freeze(event.kv);
  if (event.prevKv) Object.freeze(event.prevKv);
  return Object.freeze(event);
}

function isLockedError(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 'LEVEL_LOCKED') return true;
  }
  return false;
}

export class LevelStore implements Store {
  private revision: number;
  private compacted: number;
  private readonly index: Map<string, IndexEntry>;
  private readonly watchers = new Set<WatchChannel>();
  private readonly queue: PendingWrite[] = [];
  private writing: Promise<void> | undefined;
  private compaction: Promise<void> = Promise.resolve();
  private closing = false;
  private closed: Promise<void> | undefined;

  private readonly syncWrite: WriteOptions;
  private readonly watchBufferSize: number;
  private readonly watchBufferBytes: number;
  private readonly maxHistoryBytes: number | undefined;
  private readonly onCompactionError: (err: unknown) => void;
  /** Superseded history since the last compaction, oldest first, in buckets of about `bucketBytes`. */
  private garbage: GarbageBucket[] = [];
  private garbageHead = 0;
  private garbageTotal = 0;
  private readonly bucketBytes: number;
  private budgetCompaction: Promise<void> | undefined;
  private budgetCompactions = 0;
  private readonly maxBatchOps: number;
  private readonly maxBatchBytes: number;

  private failure: Failure | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  /** Set while the database is closed and reopened: reads wait for it. */
  private reopening: Promise<void> | undefined;
  private readonly recoveryIntervalMs: number;
  private readonly maxRecoveryIntervalMs: number;
  private readonly recoveryMinFreeBytes: number;
  private readonly onHealthChange: (health: StoreHealth) => void;

  private constructor(
    private readonly db: LevelDatabase,
    state: { revision: number; compacted: number; index: Map<string, IndexEntry> },
    opts: LevelStoreOptions,
    /** The folder (or a description of the database) named in errors. */
    readonly location: string,
    /** The schema of the database and whether this open created or migrated it. */
    readonly schema: SchemaReport,
    /** Whether the store owns a ClassicLevel it may close and reopen to recover. */
    private readonly reopenable: boolean,
  ) {
    this.revision = state.revision;
    this.compacted = state.compacted;
    this.index = state.index;
    this.syncWrite = { sync: opts.durable ?? true };
    this.watchBufferSize = opts.watchBufferSize ?? DEFAULT_WATCH_BUFFER;
    this.watchBufferBytes = opts.watchBufferBytes ?? DEFAULT_WATCH_BUFFER_BYTES;
    this.maxHistoryBytes = opts.maxHistoryBytes !== undefined && opts.maxHistoryBytes > 0 ? opts.maxHistoryBytes : undefined;
    this.onCompactionError = opts.onCompactionError ?? (() => {});
    // Fine enough to compact close to the budget, coarse enough to keep the list short.
    this.bucketBytes = this.maxHistoryBytes !== undefined ? Math.max(1, Math.floor(this.maxHistoryBytes / 256)) : 1024 * 1024;
    this.maxBatchOps = opts.maxBatchOps ?? DEFAULT_MAX_BATCH_OPS;
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.recoveryIntervalMs = opts.recoveryIntervalMs ?? DEFAULT_RECOVERY_INTERVAL_MS;
    this.maxRecoveryIntervalMs = Math.max(this.recoveryIntervalMs, opts.maxRecoveryIntervalMs ?? DEFAULT_MAX_RECOVERY_INTERVAL_MS);
    this.recoveryMinFreeBytes = opts.recoveryMinFreeBytes ?? DEFAULT_RECOVERY_MIN_FREE_BYTES;
    this.onHealthChange = opts.onHealthChange ?? (() => {});
  }

  /**
   * Opens (creating if needed) a store and recovers its revision, compacted
   * revision and key index. A missing or empty folder gets a new database.
   * Fails with StoreLockedError (code LEVEL_LOCKED) for a folder already
   * open elsewhere, StoreSchemaError for a database of a newer mk8s,
   * StoreCorruptError for a damaged or half-written one (a folder with files
   * but no LevelDB CURRENT, LevelDB corruption, inconsistent rows). An older
   * schema is migrated (`schema.migratedFrom`).
   */
  static async open(opts: LevelStoreOptions = {}): Promise<LevelStore> {
    const location = opts.path ?? (opts.db instanceof ClassicLevel ? opts.db.location : opts.db ? 'given database' : 'in-memory database');
    let db: LevelDatabase;
    if (opts.db) db = opts.db;
    else if (opts.path !== undefined) {
      // LevelDB would create an empty database in a non-empty folder that lost its CURRENT file.
      const { fresh } = await checkFolder(opts.path);
      db = new ClassicLevel<string, string>(opts.path, { createIfMissing: fresh });
    } else db = new MemoryLevel<string, string>();
    try {
      if (db.status !== 'open') await db.open();
    } catch (err) {
      if (isLockedError(err)) throw new StoreLockedError(location, { cause: err });
      const mapped = asOpenError(err, location);
      if (mapped !== err) throw mapped;
      throw new StoreUnavailableError(location, describeIoFailure(err), 'open', { cause: err });
    }
    try {
      const write: WriteOptions = { sync: opts.durable ?? true };
      const schema = await prepareSchema(db, location, write);
      const state = await loadState(db, location);
      return new LevelStore(db, state, opts, location, schema, db instanceof ClassicLevel);
    } catch (err) {
      await db.close().catch(() => {});
      throw asOpenError(err, location);
    }
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  /**
   * Approximate bytes of superseded history (older versions, tombstones, log
   * rows) not compacted yet, counting what was written since the store was
   * opened; with its budget (`maxHistoryBytes`, 0 when unbounded) and how
   * many compactions the budget started.
   */
  historyStats(): HistoryStats {
    return { bytes: this.garbageTotal, limitBytes: this.maxHistoryBytes ?? 0, budgetCompactions: this.budgetCompactions };
  }

  // ---- reads ---------------------------------------------------------------

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    this.ensureOpen();
    if (this.reopening || this.db.status !== 'open') await this.readable();
    let text: string | undefined;
    try {
      text = await this.db.get(currentKey(key));
    } catch (err) {
      throw this.readError(err);
    }
    if (text === undefined) return undefined;
    const row = decodeCurrent(text);
    return { key, value: row.value, createRevision: row.createRevision, modRevision: row.modRevision };
  }

  /**
   * Reads the newest version <= R of every key under `prefix` from the
   * history rows (R = `opts.revision` or the current revision). R equal to
   * the compacted revision is still readable (compaction keeps that state);
   * R below it fails with CompactedError, R above the current revision with
   * FutureRevisionError.
   */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    if (this.reopening || this.db.status !== 'open') await this.readable();
    const current = this.revision;
    const revision = opts.revision !== undefined && opts.revision > 0 ? opts.revision : current;
    if (revision > current) throw new FutureRevisionError(revision, current);
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;

    const start = HISTORY_PREFIX + prefix;
    const upper = prefixEnd(start);
    let lower = start;
    if (opts.after !== undefined) {
      const pastAfter = historyKeyEnd(opts.after);
      if (pastAfter > lower) lower = pastAfter;
    }
    const items: KeyValue[] = [];
    if (lower >= upper) return { items, revision, more: false };

    // The iterator's implicit snapshot is taken here, synchronously after the
    // compaction check: a compaction that starts later cannot remove rows it reads.
    const batchSize = Math.min(256, limit + 16);
    const cursor = new SeekCursor(this.db.iterator({ gte: lower, lt: upper }), batchSize);
    let more = false;
    try {
      for (let entry = await cursor.next(); entry !== undefined; entry = await cursor.next()) {
        const { key, rev } = parseHistoryKey(entry[0]);
        if (rev > revision) {
          cursor.skipTo(historyKey(key, revision));
          continue;
        }
        // The newest version of `key` at or below `revision`.
        const record = decodeHistory(entry[1]);
        if (record.value !== undefined) {
          if (items.length >= limit) {
            more = true;
            break;
          }
          items.push({ key, value: record.value, createRevision: record.createRevision, modRevision: rev });
        }
        cursor.skipTo(historyKeyEnd(key));
      }
    } catch (err) {
      throw this.readError(err);
    } finally {
      await cursor.close().catch(() => {});
    }
    return { items, revision, more };
  }

  /** Counts live keys under `prefix` from the in-memory index: exact at the current revision. */
  async count(prefix: string): Promise<number> {
    this.ensureOpen();
    let n = 0;
    for (const key of this.index.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  // ---- writes --------------------------------------------------------------

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'update', key, value, expected: expectedModRevision });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'delete', key, expected: expectedModRevision });
  }

  private enqueue(request: WriteRequest): Promise<KeyValue> {
    try {
      checkKey(request.key);
      this.ensureOpen();
      this.ensureWritable();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** The single writer: commits queued writes batch by batch until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      // Let writes issued in the same synchronous run join the first batch.
      await Promise.resolve();
      while (this.queue.length > 0) {
        if (this.failure) {
          // Nothing more goes to the database until it is reopened.
          for (const w of this.queue.splice(0)) w.reject(this.unavailable());
          break;
        }
        const batch = this.takeBatch();
        try {
          await this.commit(batch);
        } catch (err) {
          // An I/O failure: nothing of this batch was applied (or, if its sync
          // failed after the write, recovery finds it on disk and adopts it).
          this.fail(err);
          for (const w of batch) w.reject(this.unavailable());
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private takeBatch(): PendingWrite[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.maxBatchOps) {
      const req = this.queue[n]!.request;
      const size = 2 * req.key.length + (req.kind === 'delete' ? 0 : 2 * req.value.length);
      if (n > 0 && bytes + size > this.maxBatchBytes) break;
      bytes += size;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async commit(batch: PendingWrite[]): Promise<void> {
    // Previous values of keys this batch updates or deletes: return values and
    // prevKv need them. No other writer exists, so these rows are exactly the
    // state the index describes.
    const fetchKeys = [...new Set(batch.filter((w) => w.request.kind !== 'create' && this.index.has(w.request.key)).map((w) => w.request.key))];
    const committed = new Map<string, CurrentRow>();
    if (fetchKeys.length > 0) {
      const texts = await this.db.getMany(fetchKeys.map(currentKey));
      fetchKeys.forEach((key, i) => {
        const text = texts[i];
        if (text === undefined) throw new Error(`storage: index and rows disagree on ${key}`);
        committed.set(key, decodeCurrent(text));
      });
    }

    const overlay = new Map<string, CurrentRow | null>();
    const lookup = (key: string): CurrentRow | undefined => {
      const o = overlay.get(key);
      if (o !== undefined) return o ?? undefined;
      return committed.get(key);
    };
    const exists = (key: string): boolean => (overlay.has(key) ? overlay.get(key) !== null : this.index.has(key));

    let rev = this.revision;
    const ops: BatchOp[] = [];
    const outcomes: Array<{ write: PendingWrite; result: KeyValue; event: WatchEvent } | { write: PendingWrite; error: Error }> = [];

    for (const write of batch) {
      const req = write.request;
      const key = req.key;
      if (req.kind === 'create') {
        if (exists(key)) {
          outcomes.push({ write, error: new KeyExistsError(key) });
          continue;
        }
        rev++;
        const row: CurrentRow = { createRevision: rev, modRevision: rev, value: req.value };
        ops.push(
          { type: 'put', key: currentKey(key), value: encodeCurrent(row) },
          { type: 'put', key: historyKey(key, rev), value: encodeVersion(rev, req.value) },
          { type: 'put', key: logKey(rev), value: encodeLog({ type: 'c', prevModRevision: 0, key }) },
        );
        overlay.set(key, row);
        const kv: KeyValue = { key, value: req.value, createRevision: rev, modRevision: rev };
        outcomes.push({ write, result: kv, event: { type: 'create', kv: { ...kv } } });
        continue;
      }

      const cur = exists(key) ? lookup(key) : undefined;
      if (cur === undefined) {
        outcomes.push({ write, error: new KeyNotFoundError(key) });
        continue;
      }
      if (req.expected !== undefined && req.expected !== cur.modRevision) {
        outcomes.push({ write, error: new ConflictError(key, req.expected, cur.modRevision) });
        continue;
      }
      rev++;
      const prevKv: KeyValue = { key, value: cur.value, createRevision: cur.createRevision, modRevision: cur.modRevision };
      if (req.kind === 'update') {
        const row: CurrentRow = { createRevision: cur.createRevision, modRevision: rev, value: req.value };
        ops.push(
          { type: 'put', key: currentKey(key), value: encodeCurrent(row) },
          { type: 'put', key: historyKey(key, rev), value: encodeVersion(cur.createRevision, req.value) },
          { type: 'put', key: logKey(rev), value: encodeLog({ type: 'u', prevModRevision: cur.modRevision, key }) },
        );
        overlay.set(key, row);
        const kv: KeyValue = { key, value: req.value, createRevision: cur.createRevision, modRevision: rev };
        outcomes.push({ write, result: kv, event: { type: 'update', kv: { ...kv }, prevKv } });
      } else {
        ops.push(
          { type: 'del', key: currentKey(key) },
          { type: 'put', key: historyKey(key, rev), value: encodeTombstone(cur.createRevision) },
          { type: 'put', key: logKey(rev), value: encodeLog({ type: 'd', prevModRevision: cur.modRevision, key }) },
        );
        overlay.set(key, null);
        const kv: KeyValue = { key, value: cur.value, createRevision: cur.createRevision, modRevision: rev };
        outcomes.push({ write, result: kv, event: { type: 'delete', kv: { ...kv }, prevKv } });
      }
    }

    if (ops.length > 0) {
      ops.push({ type: 'put', key: META_REVISION, value: String(rev) });
      // A failure propagates to drain(): the store turns unhealthy and rejects the batch.
      await this.db.batch(ops, this.syncWrite);
    }

    // Durable: publish. Index, revision and dispatch change together, synchronously.
    for (const [key, row] of overlay) {
      if (row === null) this.index.delete(key);
      else this.index.set(key, { createRevision: row.createRevision, modRevision: row.modRevision });
    }
    this.revision = rev;
    for (const o of outcomes) {
      if ('error' in o) continue;
      const event = freezeEvent(o.event);
      this.noteGarbage(event.kv.modRevision, garbageBytes(event));
      for (const channel of this.watchers) if (event.kv.key.startsWith(channel.prefix)) channel.push(event);
    }
    for (const o of outcomes) {
      if ('error' in o) o.write.reject(o.error);
      else o.write.resolve(o.result);
    }
    this.compactForBudget();
  }

  // ---- history budget ------------------------------------------------------

  private noteGarbage(rev: number, bytes: number): void {
    const last = this.garbage.length > this.garbageHead ? this.garbage[this.garbage.length - 1]! : undefined;
    if (last && last.bytes < this.bucketBytes) {
      last.rev = rev;
      last.bytes += bytes;
    } else this.garbage.push({ rev, bytes });
    this.garbageTotal += bytes;
  }

  /** Forgets the garbage a compaction up to `revision` removes. */
  private forgetGarbage(revision: number): void {
    while (this.garbageHead < this.garbage.length && this.garbage[this.garbageHead]!.rev <= revision) {
      this.garbageTotal -= this.garbage[this.garbageHead]!.bytes;
      this.garbageHead++;
    }
    if (this.garbageHead === this.garbage.length) {
      this.garbage = [];
      this.garbageHead = 0;
      this.garbageTotal = 0;
    } else if (this.garbageHead >= 64 && this.garbageHead * 2 >= this.garbage.length) {
      this.garbage = this.garbage.slice(this.garbageHead);
      this.garbageHead = 0;
    }
  }

  /** Over the history budget: compacts the oldest revisions until 3/4 of the budget is left (one compaction at a time). */
  private compactForBudget(): void {
    const budget = this.maxHistoryBytes;
    if (budget === undefined || this.garbageTotal <= budget || this.budgetCompaction || this.closing || this.failure) return;
    const goal = Math.floor((budget * 3) / 4);
    let remaining = this.garbageTotal;
    let target = this.compacted;
    for (let i = this.garbageHead; i < this.garbage.length && remaining > goal; i++) {
      remaining -= this.garbage[i]!.bytes;
      target = this.garbage[i]!.rev;
    }
    if (target <= this.compacted) return;
    this.budgetCompactions++;
    this.budgetCompaction = this.compact(target)
      .catch((err: unknown) => {
        if (!this.closing) this.onCompactionError(err);
      })
      .finally(() => {
        this.budgetCompaction = undefined;
      });
  }

  // ---- watch ---------------------------------------------------------------

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    return { [Symbol.asyncIterator]: () => this.runWatch(prefix, opts) };
  }

  private async *runWatch(prefix: string, opts: WatchOptions): AsyncGenerator<WatchEvent, void, undefined> {
    const { signal, afterRevision } = opts;
    if (signal?.aborted) return;
    this.ensureOpen();
    if (this.reopening || this.db.status !== 'open') await this.readable();
    if (signal?.aborted) return;
    if (afterRevision < this.compacted) throw new CompactedError(afterRevision, this.compacted);

    // Subscribe, note the revision and take the replay snapshot in one
    // synchronous step: every later commit reaches the channel, every earlier
    // one is in the snapshot.
    const channel = new WatchChannel(prefix, this.watchBufferSize, (ch) => this.watchers.delete(ch), this.watchBufferBytes);
    this.watchers.add(channel);
    const onAbort = (): void => channel.end();
    signal?.addEventListener('abort', onAbort, { once: true });
    const replayTo = this.revision;
    const replaying = afterRevision < replayTo;
    // Without explicit snapshots (a custom `db`), the replay's history reads
    // may race a compaction and then fail with CompactedError.
    let snapshot = replaying && this.db.supports.explicitSnapshots ? this.db.snapshot() : undefined;
    let last = afterRevision;
    try {
      if (replaying) {
        try {
          for await (const event of this.replay(prefix, afterRevision, replayTo, snapshot)) {
            if (channel.ended) return;
            channel.check();
            yield event;
            last = event.kv.modRevision;
          }
        } catch (err) {
          if (this.closing || channel.ended) return;
          throw this.readError(err);
        }
        // A snapshot pins the history it saw (in memory for memory-level): release it once replayed.
        const replayed = snapshot;
        snapshot = undefined;
        if (replayed !== undefined) await replayed.close().catch(() => {});
      }
      for (;;) {
        const event = channel.shift();
        if (event !== undefined) {
          if (event.kv.modRevision > last) {
            last = event.kv.modRevision;
            yield event;
          }
          continue;
        }
        if (channel.ended) return;
        await channel.wait();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.watchers.delete(channel);
      channel.end();
      if (snapshot !== undefined) await snapshot.close().catch(() => {});
    }
  }

  /** Events for revisions in (after, upTo] under `prefix`, read from the log and history at `snapshot`. */
  private async *replay(prefix: string, after: number, upTo: number, snapshot: AbstractSnapshot | undefined): AsyncGenerator<WatchEvent, void, undefined> {
    const it = this.db.iterator({ gt: logKey(after), lte: logKey(upTo), snapshot });
    try {
      for (;;) {
        const rows = await it.nextv(REPLAY_CHUNK);
        if (rows.length === 0) return;
        const wanted: Array<{ rev: number; entry: LogEntry }> = [];
        for (const [row, text] of rows) {
          const entry = decodeLog(text);
          if (entry.key.startsWith(prefix)) wanted.push({ rev: parseLogKey(row), entry });
        }
        if (wanted.length === 0) continue;
        const keys: string[] = [];
        for (const { rev, entry } of wanted) {
          keys.push(historyKey(entry.key, rev));
          if (entry.type !== 'c') keys.push(historyKey(entry.key, entry.prevModRevision));
        }
        const texts = await this.db.getMany(keys, { snapshot });
        let i = 0;
        const events: WatchEvent[] = [];
        for (const { rev, entry } of wanted) {
          const curText = texts[i++];
          const prevText = entry.type === 'c' ? undefined : texts[i++];
          if (curText === undefined || (entry.type !== 'c' && prevText === undefined)) {
            throw new CompactedError(after, this.compacted);
          }
          const cur = decodeHistory(curText);
          const key = entry.key;
          if (entry.type === 'c') {
            events.push({ type: 'create', kv: { key, value: cur.value ?? '', createRevision: cur.createRevision, modRevision: rev } });
            continue;
          }
          const prev = decodeHistory(prevText!);
          const prevKv: KeyValue = {
            key,
            value: prev.value ?? '',
            createRevision: prev.createRevision,
            modRevision: entry.prevModRevision,
          };
          if (entry.type === 'u') {
            events.push({ type: 'update', kv: { key, value: cur.value ?? '', createRevision: cur.createRevision, modRevision: rev }, prevKv });
          } else {
            events.push({ type: 'delete', kv: { key, value: prevKv.value, createRevision: cur.createRevision, modRevision: rev }, prevKv });
          }
        }
        for (const event of events) yield event;
      }
    } finally {
      await it.close().catch(() => {});
    }
  }

  // ---- compaction ----------------------------------------------------------

  /**
   * Drops log entries and history versions at or below `revision`, keeping
   * for each key the newest version at or below it when that version is not
   * a tombstone (so the state at `revision` stays readable). Idempotent: a
   * revision at or below the compacted one is a no-op. Fails with
   * FutureRevisionError above the current revision. Compactions run one at a
   * time; writes, reads and watches above `revision` continue meanwhile.
   *
   * The new compacted revision is persisted (synced) before anything is
   * deleted; deletion then proceeds in chunks. A crash in between leaves
   * log entries at or below it, which the next compaction finishes.
   */
  compact(revision: number): Promise<void> {
    try {
      this.ensureOpen();
      this.ensureWritable();
    } catch (err) {
      return Promise.reject(err);
    }
    if (revision > this.revision) return Promise.reject(new FutureRevisionError(revision, this.revision));
    const run = this.compaction.then(() => this.runCompaction(revision));
    this.compaction = run.catch(() => {});
    return run;
  }

  private async runCompaction(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    this.ensureWritable();
    this.compacted = revision;
    this.forgetGarbage(revision);
    // If this fails, recovery persists the compacted revision with its probe.
    await this.compactionBatch([{ type: 'put', key: META_COMPACTED, value: String(revision) }], this.syncWrite);

    // Start from the first remaining log entry (not the previous compacted
    // revision) so leftovers of an interrupted compaction are finished too.
    const log = this.db.iterator({ gte: LOG_PREFIX, lte: logKey(revision) });
    const done = new Set<string>();
    try {
      for (;;) {
        const rows = await log.nextv(COMPACT_CHUNK);
        if (rows.length === 0) break;
        const ops: BatchOp[] = [];
        for (const [row, text] of rows) {
          ops.push({ type: 'del', key: row });
          const { key } = decodeLog(text);
          if (done.has(key)) continue;
          done.add(key);
          await this.collectHistoryGarbage(key, revision, ops);
        }
        await this.compactionBatch(ops, NO_SYNC);
      }
    } catch (err) {
      throw err instanceof StoreUnavailableError ? err : this.readError(err);
    } finally {
      await log.close().catch(() => {});
    }
  }

  /** A compaction batch: refused once the store is unhealthy; a failure makes it unhealthy. */
  private async compactionBatch(ops: BatchOp[], options: WriteOptions): Promise<void> {
    this.ensureWritable();
    try {
      await this.db.batch(ops, options);
    } catch (err) {
      this.fail(err);
      throw this.unavailable();
    }
  }

  /** Adds deletes for `key`'s versions at or below `revision`, except its newest one if that is not a tombstone. */
  private async collectHistoryGarbage(key: string, revision: number, ops: BatchOp[]): Promise<void> {
    const it = this.db.iterator({ gte: historyKey(key, revision), lt: historyKeyEnd(key) });
    try {
      let first = true;
      for (;;) {
        const rows = await it.nextv(256);
        if (rows.length === 0) return;
        for (const [row, text] of rows) {
          if (first) {
            first = false;
            if (decodeHistory(text).value !== undefined) continue;
          }
          ops.push({ type: 'del', key: row });
        }
      }
    } finally {
      await it.close();
    }
  }

  // ---- lifecycle -----------------------------------------------------------

  /**
   * Stops accepting work, commits writes already queued, waits for a running
   * compaction, ends every watch and closes the database. Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      clearTimeout(this.recoveryTimer);
      this.recoveryTimer = undefined;
      await this.reopening?.catch(() => {});
      while (this.writing) await this.writing;
      await this.compaction;
      for (const channel of this.watchers) channel.end();
      this.watchers.clear();
      if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
    })();
    return this.closed;
  }

  private ensureOpen(): void {
    if (this.closing) throw new StoreClosedError();
  }

  // ---- health, verification, snapshots --------------------------------------

  /**
   * Whether the store accepts writes (for /readyz). Unhealthy after a failed
   * write until a background retry has reopened the database and a probe
   * write succeeded; `error` says what failed, naming the folder.
   */
  health(): StoreHealth {
    if (this.closing) return { ok: false, error: new StoreClosedError().message };
    const f = this.failure;
    if (!f) return { ok: true };
    return {
      ok: false,
      error: this.unavailable().message,
      since: f.since,
      recoveryAttempts: f.attempts,
      lastRecoveryError: f.lastAttemptError,
    };
  }

  /**
   * The full consistency check of the database (integrity.ts), read at one
   * snapshot so that concurrent writes are not reported. Returns the
   * problems found; empty when consistent.
   */
  async verify(): Promise<string[]> {
    this.ensureOpen();
    if (this.reopening || this.db.status !== 'open') await this.readable();
    const snapshot = this.db.supports.explicitSnapshots ? this.db.snapshot() : undefined;
    try {
      return await verifyDatabase(this.db, { snapshot });
    } catch (err) {
      throw this.readError(err);
    } finally {
      await snapshot?.close().catch(() => {});
    }
  }

  /**
   * Writes a snapshot of the whole database (snapshot.ts: gzip JSON lines)
   * to a file path (atomically, mode 0600) or a stream (not ended), while
   * the store keeps serving writes: it holds the state at one revision
   * (`SnapshotInfo.revision`). Restore it with `restoreSnapshot`.
   */
  async saveSnapshot(out: NodeJS.WritableStream | string): Promise<SnapshotInfo> {
    this.ensureOpen();
    if (this.reopening || this.db.status !== 'open') await this.readable();
    try {
      return await writeSnapshot(this.db, out, this.location);
    } catch (err) {
      throw this.readError(err);
    }
  }

  // ---- failure and recovery --------------------------------------------------

  private ensureWritable(): void {
    if (this.failure) throw this.unavailable();
  }

  private unavailable(): StoreUnavailableError {
    const f = this.failure;
    return new StoreUnavailableError(
      this.location,
      f?.reason ?? 'the database is being reopened',
      f?.fatal ? 'recover' : 'write',
      f ? { cause: f.cause } : undefined,
    );
  }

  /** Waits for a reopen in progress; fails fast when the database is closed after a failed reopen. */
  private async readable(): Promise<void> {
    if (this.reopening) await this.reopening.catch(() => {});
    if (this.closing) throw new StoreClosedError();
    if (this.db.status !== 'open') {
      throw new StoreUnavailableError(
        this.location,
        `the database is closed after a failed write (${this.failure?.reason ?? 'reopening'}) and is being reopened`,
        'read',
      );
    }
  }

  /** A read failure: the handle closed under it (a reopen) becomes StoreUnavailableError; the rest is unchanged. */
  private readError(err: unknown): unknown {
    if (err instanceof StoreUnavailableError || err instanceof StoreClosedError) return err;
    if (this.closing && isNotOpenError(err)) return new StoreClosedError();
    if (isNotOpenError(err)) return new StoreUnavailableError(this.location, 'the database was reopened during the read; retry', 'read', { cause: err });
    return err;
  }

  /** Turns the store unhealthy after a failed database write and schedules recovery (the first failure wins). */
  private fail(err: unknown): void {
    if (this.failure || this.closing) return;
    this.failure = { reason: describeIoFailure(err), cause: err, since: Date.now(), attempts: 0, fatal: false };
    this.scheduleRecovery(this.recoveryIntervalMs);
    this.notifyHealth();
  }

  /** Tells `onHealthChange`; a throwing callback must not break the writer or recovery. */
  private notifyHealth(): void {
    try {
      this.onHealthChange(this.health());
    } catch {
      // the callback's problem
    }
  }

  private scheduleRecovery(delay: number): void {
    if (this.closing) return;
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      void this.tryRecover();
    }, delay);
    this.recoveryTimer.unref();
  }

  /** One recovery attempt; schedules the next one (with backoff) if it fails. */
  private async tryRecover(): Promise<void> {
    const f = this.failure;
    if (!f || this.closing || f.fatal) return;
    f.attempts++;
    try {
      if (isNoSpaceError(f.cause) && this.reopenable) {
        const free = await this.freeBytes();
        if (free !== undefined && free < this.recoveryMinFreeBytes) {
          throw new Error(`waiting for free space: ${free} bytes free, ${this.recoveryMinFreeBytes} needed`);
        }
      }
      const reopen = this.reopen();
      this.reopening = reopen;
      try {
        await reopen;
      } finally {
        if (this.reopening === reopen) this.reopening = undefined;
      }
      if (this.closing) return;
      this.failure = undefined;
      this.notifyHealth();
      this.compactForBudget();
    } catch (err) {
      if (this.closing) return;
      f.lastAttemptError = errorText(err);
      if (f.fatal) {
        this.notifyHealth();
        return;
      }
      this.scheduleRecovery(Math.min(this.maxRecoveryIntervalMs, this.recoveryIntervalMs * 2 ** Math.min(f.attempts, 20)));
    }
  }

  private async freeBytes(): Promise<number | undefined> {
    if (!(this.db instanceof ClassicLevel)) return undefined;
    try {
      const stats = await statfs(this.db.location);
      return stats.bavail * stats.bsize;
    } catch {
      return undefined;
    }
  }

  /**
   * Closes and reopens the database (a ClassicLevel; another backend keeps
   * its handle), checks its revision against the acknowledged one, adopts a
   * failed batch that reached the disk after all, and commits a probe batch.
   */
  private async reopen(): Promise<void> {
    while (this.writing) await this.writing;
    await this.compaction;
    if (this.closing) return;
    if (this.reopenable) {
      if (this.db.status === 'open') await this.db.close();
      await this.db.open({ createIfMissing: false });
    }
    const [revText, compactedText] = await this.db.getMany([META_REVISION, META_COMPACTED]);
    const diskRevision = revText === undefined ? NaN : parseRevision(revText);
    const diskCompacted = compactedText === undefined ? 0 : parseRevision(compactedText);
    if (Number.isNaN(diskRevision) || Number.isNaN(diskCompacted) || diskRevision < this.revision) {
      this.failure!.fatal = true;
      this.failure!.reason =
        `after a failed write (${this.failure!.reason}) the reopened database holds revision ${revText ?? '(none)'} ` +
        `but revision ${this.revision} was acknowledged: acknowledged writes are missing; stop the API server and ${RESTORE_HINT}`;
      throw new Error(this.failure!.reason);
    }
    if (diskRevision > this.revision) await this.adopt(this.revision, diskRevision);
    const probe: BatchOp[] = [
      { type: 'put', key: META_PROBE, value: 'x'.repeat(PROBE_BYTES) },
      { type: 'del', key: META_PROBE },
    ];
    if (this.compacted > diskCompacted) probe.unshift({ type: 'put', key: META_COMPACTED, value: String(this.compacted) });
    await this.db.batch(probe, this.syncWrite);
  }

  /**
   * The database holds writes (after, upTo] that the store rejected: their
   * batch reached the disk although the write call failed. Applies them to
   * the index and revision and sends them to watchers, from the log.
   */
  private async adopt(after: number, upTo: number): Promise<void> {
    const events: WatchEvent[] = [];
    for await (const event of this.replay('', after, upTo, undefined)) events.push(event);
    for (const event of events) {
      const { key, createRevision, modRevision } = event.kv;
      if (event.type === 'delete') this.index.delete(key);
      else this.index.set(key, { createRevision, modRevision });
    }
    this.revision = upTo;
    for (const raw of events) {
      const event = freezeEvent(raw);
      this.noteGarbage(event.kv.modRevision, garbageBytes(event));
      for (const channel of this.watchers) if (event.kv.key.startsWith(channel.prefix)) channel.push(event);
    }
  }
}
