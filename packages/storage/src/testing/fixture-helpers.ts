/**
 * Fixture helpers for this package's disk tests (not part of the public API).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';

/**
 * A LevelDB folder written before schema versioning (schema 0): see
 * fixtures/make-schema0-fixture.ts for its writes. Never open it in place
 * (LevelDB rewrites its files on open): `copyFixture` first.
 */
export const SCHEMA0_FIXTURE = fileURLToPath(new URL('./fixtures/schema0-store', import.meta.url));

/** A temporary folder; remove it with `rm(dir, { recursive: true, force: true })`. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Copies a fixture folder to `dest` (created). */
export async function copyFixture(fixture: string, dest: string): Promise<string> {
  await cp(fixture, dest, { recursive: true });
  return dest;
}

/** Every row of a LevelDB folder, through a raw handle (the folder must not be open elsewhere). */
export async function rawRows(folder: string): Promise<Array<[string, string]>> {
  const db = new ClassicLevel<string, string>(folder, { createIfMissing: false });
  try {
    await db.open();
    return await db.iterator().all();
  } finally {
    await db.close();
  }
}

/** Applies raw row changes to a LevelDB folder (the folder must not be open elsewhere). */
export async function rawBatch(folder: string, ops: Array<{ type: 'put'; key: string; value: string } | { type: 'del'; key: string }>): Promise<void> {
  const db = new ClassicLevel<string, string>(folder, { createIfMissing: false });
  try {
    await db.open();
    await db.batch(ops, { sync: true });
  } finally {
    await db.close();
  }
}

export { rm };
