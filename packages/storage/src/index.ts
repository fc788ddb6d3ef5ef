/**
 * @mk8s/storage: the "etcd" of mk8s, a revisioned key-value store with
 * watch, behind the `Store` interface (docs/architecture.md, Storage: a
 * revision log). Only the API server uses it.
 *
 * @example
 * ```ts
 * import { LevelStore } from '@mk8s/storage';
 * const store = await LevelStore.open({ path: '.mk8s/data/apiserver' });
 * const kv = await store.create('/registry/pods/default/web', '{"kind":"Pod"}');
 * for await (const ev of store.watch('/registry/pods/', { afterRevision: kv.modRevision - 1 })) {
 *   console.log(ev.type, ev.kv.key, ev.kv.modRevision);
 * }
 * ```
 */
export type { HistoryStats, KeyValue, ListOptions, ListResult, Store, StoreHealth, WatchEvent, WatchEventType, WatchOptions } from './store.js';
export {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  InvalidKeyError,
  KeyExistsError,
  KeyNotFoundError,
  SnapshotError,
  StorageError,
  StoreClosedError,
  StoreCorruptError,
  StoreLockedError,
  StoreSchemaError,
  StoreUnavailableError,
  WatchOverflowError,
  type StorageErrorCode,
} from './errors.js';
export { LevelStore, type LevelStoreOptions } from './level-store.js';
export { SCHEMA_VERSION, type SchemaReport } from './schema.js';
export { verifyDatabase, type VerifyOptions } from './integrity.js';
export { SNAPSHOT_FORMAT, inspectSnapshot, type SnapshotHeader, type SnapshotInfo } from './snapshot.js';
export { DEFAULT_RESTORE_REVISION_BUMP, restoreSnapshot, type RestoreOptions, type RestoreResult } from './restore.js';
export { DEFAULT_MEMORY_HISTORY_BYTES, openMemoryStore } from './memory-store.js';
export { ETCD_SNAPSHOT_FORMAT, EtcdStore, type EtcdStoreOptions } from './etcd-store.js';
export { startCompactor, type CompactorOptions } from './compactor.js';
