/**
 * The storage contract of mk8s: an etcd-like revisioned key-value store
 * (docs/architecture.md, Storage: a revision log).
 *
 * - One global revision counter. Every successful write (create, update,
 *   delete) increments it by exactly one; the new revision is the written
 *   key's `modRevision`, which the API server exposes as `resourceVersion`.
 * - Writes are serialised: compare-and-swap on `modRevision` is exact.
 *   Each write is one atomic batch; once its promise resolves the write is
 *   durable (survives kill -9 of the process) for disk backends.
 * - Keys are strings in etcd's layout (`/registry/<resource>/<ns>/<name>`);
 *   values are opaque strings (the API server stores JSON text).
 * - `watch` replays history after a revision and then streams live events in
 *   revision order with no gaps or duplicates. History older than the
 *   compacted revision is gone: reads or watches at or before it fail with
 *   `CompactedError` (the API server turns that into 410 Gone).
 */

import type { SnapshotInfo } from './snapshot.js';

/** One version of one key. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this key (survives updates, reset by delete + create). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /**
   * The key after the event. For `delete`, `kv.value` is the last value before
   * deletion and `kv.modRevision` is the revision of the delete itself.
   */
  kv: KeyValue;
  /** The version before the event (absent for `create`). */
  prevKv?: KeyValue;
}

export interface HistoryStats {
  bytes: number;
  limitBytes: number;
  budgetCompactions: number;
}

export interface ListOptions {
  /** Read the state as of this revision (0 or absent: current). Fails with CompactedError if compacted. */
  revision?: number;
  /** Return at most this many items (0 or absent: all). */
  limit?: number;
  /** Return only keys strictly greater than this one (paging). */
  after?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at (pass it back as `revision` for the next page). */
  revision: number;
  /** True when `limit` cut the list short: continue with `after` = last item's key. */
  more: boolean;
}

/** Whether a store accepts writes (`Store.health`, for /readyz). */
export interface StoreHealth {
  ok: boolean;
  /** Why not, naming the database (e.g. `storage write failed: no space left on device (/var/lib/mk8s/data)`). */
  error?: string;
  /** When the store turned unhealthy (ms since the epoch). */
  since?: number;
  /** Background recovery attempts so far. */
  recoveryAttempts?: number;
  /** Why the last recovery attempt failed (e.g. waiting for free space). */
  lastRecoveryError?: string;
}

export interface WatchOptions {
  /** Deliver every event with revision > this one. Fails with CompactedError if compacted. */
  afterRevision: number;
  /** Ends the watch: the iterator returns. */
  signal?: AbortSignal;
}

export interface Store {
  /** The revision of the last write (0 for an empty store). */
  currentRevision(): number;
  /** The oldest revision still readable: history at or below it is compacted away (0 if none). */
  compactedRevision(): number;

  get(key: string): Promise<KeyValue | undefined>;
  /** Keys that start with `prefix`, in lexicographic key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of keys with this prefix at the current revision. */
  count(prefix: string): Promise<number>;

  /** Fails with KeyExistsError if the key exists. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces the value. With `expectedModRevision`, fails with ConflictError
   * unless the key's modRevision equals it. Fails with KeyNotFoundError if absent.
   */
  update(key: string, value: string, expectedModRevision?: number): Promise<KeyValue>;
  /** Deletes and returns the deleted version (see WatchEvent for its modRevision). Same errors as update. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;

  /**
   * Events for keys starting with `prefix`, in revision order. The iterator
   * ends when the signal aborts or the store closes. A consumer that falls too
   * far behind is ended with WatchOverflowError rather than buffering forever.
   */
  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent>;

  /** Drops history at or below `revision` (never the current version of a live key). */
  compact(revision: number): Promise<void>;

  /**
   * Stores that keep history in this process (LevelStore): approximate bytes
   * of superseded history not compacted yet, its byte budget (0: unbounded)
   * and how many compactions the budget started. Absent for etcd.
   */
  historyStats?(): HistoryStats;

  /**
   * Stores that can fail and recover in this process (LevelStore): whether
   * writes are accepted now, and why not. Absent for etcd.
   */
  health?(): StoreHealth;

  /** LevelStore: the full consistency check of its database; the problems found (empty: consistent). */
  verify?(): Promise<string[]>;

  /**
   * Writes a consistent snapshot of the whole database (one revision) while
   * serving writes, to a file path or a stream (which it does not end).
   * LevelStore: mk8s' format (snapshot.ts, `mk8s snapshot restore`).
   * EtcdStore: etcd's own snapshot of the member it talks to, the bytes
   * `etcdctl snapshot save` writes (restore with `etcdctl snapshot restore`).
   */
  saveSnapshot?(out: NodeJS.WritableStream | string): Promise<Pick<SnapshotInfo, 'format' | 'revision'>>;

  close(): Promise<void>;
}
