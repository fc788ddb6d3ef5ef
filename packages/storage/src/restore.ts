/**
 * `restoreSnapshot`: replaces a level store's folder with the contents of a
 * snapshot file (snapshot.ts), while the cluster is down. Like etcd's
 * `snapshot restore --bump-revision --mark-compacted`:
 *
 * - The restored store's revision is max(snapshot revision, the old store's
 *   revision when it can be read) + `bumpRevision` (default
 *   DEFAULT_RESTORE_REVISION_BUMP, one billion, etcd's recommendation), and
 *   everything at or below it is compacted. A client holding a
 *   resourceVersion of the old cluster gets CompactedError (410 Gone) and
 *   relists; every new write gets a revision above any the old cluster handed
 *   out, even when the old folder is unreadable and writes happened after
 *   the snapshot.
 * - Keys, values and createRevision/modRevision of the snapshot's live keys
 *   are kept; their older history and the log are compacted away.
 * - It writes into a new sibling folder, opens and verifies it, then moves
 *   the existing folder aside to `<dataDir>.before-restore-<time>` (never
 *   deleting it) and renames the new one into place. A folder in use (its
 *   LevelDB LOCK held by a running API server) is refused.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, open as openFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { SnapshotError, StoreLockedError } from './errors.js';
import { LOG_PREFIX, META_REVISION, parseRevision, prefixEnd } from './layout.js';
import { LevelStore } from './level-store.js';
import { readSnapshot } from './snapshot.js';

/** How far a restore moves the revision past the newest one known (etcd's recommended `--bump-revision`). */
export const DEFAULT_RESTORE_REVISION_BUMP = 1_000_000_000;

export interface RestoreOptions {
  /** Added to max(snapshot revision, old store revision); at least 1 (default DEFAULT_RESTORE_REVISION_BUMP). */
  bumpRevision?: number;
  /** Clock for the name of the folder moved aside (tests). */
  now?: () => Date;
}

export interface RestoreResult {
  dataDir: string;
  /** The restored store's revision (and compacted revision). */
  revision: number;
  /** The revision the snapshot holds. */
  snapshotRevision: number;
  /** The old store's revision, when its folder could be read. */
  previousRevision?: number;
  /** Why the old store's revision could not be read (a damaged folder). */
  previousUnreadable?: string;
  /** Where the old folder went, if there was one. */
  movedAside?: string;
  /** Live keys restored. */
  keys: number;
}

type Db = ClassicLevel<string, string>;

const ROWS_PER_BATCH = 1_000;
const BYTES_PER_BATCH = 4 * 1024 * 1024;

/** `20250102T030405Z`: a folder-name-safe UTC time. */
function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

function isLocked(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if ((e as { code?: unknown }).code === 'LEVEL_LOCKED') return true;
  return false;
}

/**
 * Opens the old store's folder to hold its lock during the restore and read
 * its revision (the larger of `m/rev` and the newest log row). Refuses a
 * locked folder; a damaged one gives no revision.
 */
async function openPrevious(dataDir: string): Promise<{ db?: Db; revision?: number; unreadable?: string }> {
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return { unreadable: 'it is not a folder' };
    throw err;
  }
  if (entries.length === 0) return {};
  if (!entries.includes('CURRENT')) return { unreadable: 'it has no LevelDB CURRENT file' };
  const db = new ClassicLevel<string, string>(dataDir, { createIfMissing: false });
  try {
    await db.open();
  } catch (err) {
    if (isLocked(err)) throw new StoreLockedError(dataDir, { cause: err, during: 'restore' });
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    return { unreadable: `LevelDB cannot open it: ${cause}` };
  }
  try {
    const [revText] = await db.getMany([META_REVISION]);
    const newest = await db.keys({ gte: LOG_PREFIX, lt: prefixEnd(LOG_PREFIX), reverse: true, limit: 1 }).all();
    const revs = [revText === undefined ? NaN : parseRevision(revText), newest[0] === undefined ? NaN : parseRevision(newest[0].slice(LOG_PREFIX.length))];
    const known = revs.filter((r) => !Number.isNaN(r));
    if (known.length === 0) return { db, unreadable: 'it has no revision row' };
    return { db, revision: Math.max(...known) };
  } catch (err) {
    return { db, unreadable: `reading its revision failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Makes a rename in `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await openFile(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Restores the snapshot `file` into `dataDir` (the cluster must be down).
 * Fails with SnapshotError for a file that is not a valid snapshot
 * (truncated, altered, another format) or whose data is inconsistent, with
 * StoreLockedError when `dataDir` is in use. Nothing is deleted: an existing
 * `dataDir` is moved aside (`movedAside` in the result).
 */
export async function restoreSnapshot(file: string, dataDir: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const bump = opts.bumpRevision ?? DEFAULT_RESTORE_REVISION_BUMP;
  if (!Number.isSafeInteger(bump) || bump < 1) throw new RangeError(`restoreSnapshot: bumpRevision must be a positive integer, not ${bump}`);
  const target = path.resolve(dataDir);
  const now = opts.now ?? (() => new Date());

  // Check the whole file before touching anything.
  const info = await readSnapshot(file);

  const previous = await openPrevious(target);
  const staging = `${target}.restoring-${stamp(now())}-${randomBytes(3).toString('hex')}`;
  let moved: string | undefined;
  try {
    await mkdir(path.dirname(target), { recursive: true });
    await mkdir(staging, { mode: 0o700 });
    const revision = Math.max(info.revision, previous.revision ?? 0) + bump;

    // 1. The snapshot's rows, exactly; checked again while written.
    const db = new ClassicLevel<string, string>(staging, { createIfMissing: true, errorIfExists: true });
    await db.open();
    try {
      let ops: Array<{ type: 'put'; key: string; value: string }> = [];
      let bytes = 0;
      await readSnapshot(file, async (key, value) => {
        ops.push({ type: 'put', key, value });
        bytes += key.length + value.length;
        if (ops.length >= ROWS_PER_BATCH || bytes >= BYTES_PER_BATCH) {
          await db.batch(ops, { sync: false });
          ops = [];
          bytes = 0;
        }
      });
      await db.batch(ops, { sync: true });
    } finally {
      await db.close();
    }

    // 2. They must form a consistent store (migrated if the snapshot is of an older schema).
    const check = async (when: string): Promise<LevelStore> => {
      let store: LevelStore;
      try {
        store = await LevelStore.open({ path: staging });
      } catch (err) {
        throw new SnapshotError(file, `its data does not open as a store ${when}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const problems = await store.verify();
      if (problems.length > 0) {
        await store.close();
        throw new SnapshotError(
          file,
          `its data is inconsistent ${when}: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`,
        );
      }
      return store;
    };
    await (await check('as saved')).close();

    // 3. Bump the revision and compact everything at or below it.
    const raw = new ClassicLevel<string, string>(staging, { createIfMissing: false });
    await raw.open();
    try {
      await raw.batch([{ type: 'put', key: META_REVISION, value: String(revision) }], { sync: true });
    } finally {
      await raw.close();
    }
    let store = await LevelStore.open({ path: staging });
    try {
      await store.compact(revision);
    } finally {
      await store.close();
    }
    store = await check('after the revision bump');
    const keys = await store.count('');
    await store.close();

    // 4. Swap the folders: the old one aside (never deleted), the new one in place.
    await previous.db?.close();
    previous.db = undefined;
    if (await exists(target)) {
      let aside = `${target}.before-restore-${stamp(now())}`;
      for (let n = 2; await exists(aside); n++) aside = `${target}.before-restore-${stamp(now())}-${n}`;
      await rename(target, aside);
      moved = aside;
    }
    await rename(staging, target);
    await syncDir(path.dirname(target));
    return {
      dataDir: target,
      revision,
      snapshotRevision: info.revision,
      previousRevision: previous.revision,
      previousUnreadable: previous.unreadable,
      movedAside: moved,
      keys,
    };
  } catch (err) {
    // Put the old folder back if it was moved and the new one is not in place.
    if (moved !== undefined && !(await exists(target))) await rename(moved, target).catch(() => {});
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    throw err;
  } finally {
    await previous.db?.close().catch(() => {});
  }
}
