/**
 * An in-memory store (memory-level): the same LevelStore semantics without
 * disk, for unit tests and the in-process test cluster. Everything is lost on
 * close. Its history lives in memory, so it is bounded by bytes by default
 * (`maxHistoryBytes`, 128 MiB): past it the store compacts its oldest history.
 */
import { LevelStore } from './level-store.js';
import type { LevelStoreOptions } from './level-store.js';

/** Default `maxHistoryBytes` of a memory store. */
export const DEFAULT_MEMORY_HISTORY_BYTES = 128 * 1024 * 1024;

export function openMemoryStore(opts: Omit<LevelStoreOptions, 'path' | 'db'> = {}): Promise<LevelStore> {
  return LevelStore.open({ maxHistoryBytes: DEFAULT_MEMORY_HISTORY_BYTES, ...opts });
}
