/**
 * Opening the store behind an API server. Only the API server touches
 * storage (ARCHITECTURE.md section 3), so its executable opens the store
 * through here rather than importing @mk8s/storage itself.
 */
import { mkdir } from 'node:fs/promises';
import { LevelStore, openMemoryStore, startCompactor, type Store } from '@mk8s/storage';

export type StorageBackend = 'level' | 'memory';

export interface StorageOptions {
  backend: StorageBackend;
  /** Folder of the level store (created if missing); required for `level`. */
  dataDir?: string;
}

export async function openStore(opts: StorageOptions): Promise<Store> {
  if (opts.backend === 'memory') return openMemoryStore();
  if (!opts.dataDir) throw new Error('a data folder is required for the level backend');
  await mkdir(opts.dataDir, { recursive: true });
  return LevelStore.open({ path: opts.dataDir });
}

export { startCompactor, type Store };
