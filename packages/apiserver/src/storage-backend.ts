/**
 * Opening the store behind an API server. Only the API server touches
 * storage (docs/architecture.md, Layering, enforced by lint), so its
 * executable opens the store through here rather than importing
 * @mk8s/storage itself.
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EtcdStore, LevelStore, openMemoryStore, startCompactor, type Store } from '@mk8s/storage';

/** `level`: embedded, one API server; `memory`: lost on exit; `etcd`: a real etcd cluster, any number of API servers (docs/ha.md). */
export type StorageBackend = 'level' | 'memory' | 'etcd';

export interface StorageOptions {
  backend: StorageBackend;
  /** Folder of the level store (created if missing); required for `level`. */
  dataDir?: string;
  /** Client URLs of the etcd members (`--etcd-servers`); required for `etcd`. */
  etcdServers?: string[];
  /** Prepended to every key in etcd (`--etcd-prefix`; default none: keys are `/registry/...`). */
  etcdPrefix?: string;
  /**
   * `level` and `memory`: byte budget of superseded history past which the
   * store compacts itself (`--storage-history-max-bytes`); 0 for none.
   * Default: none for `level`, 128 MiB for `memory`. etcd bounds its own.
   */
  historyMaxBytes?: number;
  /** Called when a compaction started by the history budget fails. */
  onCompactionError?: (err: unknown) => void;
}

export async function openStore(opts: StorageOptions): Promise<Store> {
  // Left out rather than undefined: the memory store spreads these over its own default budget.
  const history = {
    ...(opts.historyMaxBytes !== undefined ? { maxHistoryBytes: opts.historyMaxBytes } : {}),
    ...(opts.onCompactionError ? { onCompactionError: opts.onCompactionError } : {}),
  };
  if (opts.backend === 'memory') return openMemoryStore(history);
  if (opts.backend === 'etcd') {
    if (!opts.etcdServers || opts.etcdServers.length === 0) throw new Error('etcd servers are required for the etcd backend');
    return EtcdStore.open({ endpoints: opts.etcdServers, prefix: opts.etcdPrefix });
  }
  if (!opts.dataDir) throw new Error('a data folder is required for the level backend');
  // The store holds every Secret in plain text: only its owner may read the folder.
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  await chmod(opts.dataDir, 0o700);
  return LevelStore.open({ path: opts.dataDir, ...history });
}

export { startCompactor, type Store };
/** For `mk8s snapshot`: the launcher reaches storage only through the API server package (the layering rule). */
export { SnapshotError, inspectSnapshot, restoreSnapshot, type RestoreResult, type SnapshotInfo } from '@mk8s/storage';

/** Bytes of the files in `dir` (not recursive: a LevelDB folder is flat), for `apiserver_storage_size_bytes`. */
export async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(path.join(dir, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
