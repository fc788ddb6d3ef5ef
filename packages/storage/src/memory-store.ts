/**
 * An in-memory store (memory-level): the same LevelStore semantics without
 * disk, for unit tests and the in-process test cluster. Everything is lost on
 * close.
 */
import { LevelStore } from './level-store.js';
import type { LevelStoreOptions } from './level-store.js';

export function openMemoryStore(opts: Omit<LevelStoreOptions, 'path' | 'db'> = {}): Promise<LevelStore> {
  return LevelStore.open(opts);
}
