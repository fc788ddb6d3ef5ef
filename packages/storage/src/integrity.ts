/**
 * Integrity of a level store's database (layout.ts):
 *
 * - `checkFolder`: before LevelDB opens a folder. A folder with files but no
 *   LevelDB `CURRENT` is damaged or not a database; LevelDB would silently
 *   create an empty database in it, so it is refused.
 * - `loadState`: on every open, the quick checks (meta rows, the newest log
 *   row, every current row against `m/rev` and its history row) while the
 *   key index is built.
 * - `verifyDatabase`: the full check (`LevelStore.verify()`, snapshot save
 *   and restore, chaos tests): every row decodes, current rows and the newest
 *   history version of each key agree, the log is contiguous above the
 *   compacted revision up to `m/rev` and each entry has its history rows.
 */
import { readdir } from 'node:fs/promises';
import type { AbstractLevel, AbstractSnapshot } from 'abstract-level';
import { StoreCorruptError, levelErrorCodes } from './errors.js';
import {
  CURRENT_PREFIX,
  HISTORY_PREFIX,
  LOG_PREFIX,
  MAX_REVISION,
  META_COMPACTED,
  META_PREFIX,
  META_REVISION,
  META_SCHEMA,
  currentKey,
  decodeCurrent,
  decodeHistory,
  decodeLog,
  historyKey,
  logKey,
  parseRevision,
  prefixEnd,
} from './layout.js';
import type { CurrentRow, HistoryRecord, LogEntry } from './layout.js';
import { SCHEMA_VERSION } from './schema.js';

type Database = AbstractLevel<string | Buffer | Uint8Array, string, string>;

/** Files LevelDB writes before its CURRENT file exists: a folder holding only these never held data. */
const BOOKKEEPING = new Set(['LOCK', 'LOG', 'LOG.old']);

/**
 * Whether LevelDB may create a database in `folder`: true when it is missing
 * or empty (or holds only LevelDB's lock and info log). A folder with other
 * files but no `CURRENT` fails with StoreCorruptError.
 */
export async function checkFolder(folder: string): Promise<{ fresh: boolean }> {
  let entries: string[];
  try {
    entries = await readdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { fresh: true };
    throw err;
  }
  const files = entries.filter((name) => !BOOKKEEPING.has(name));
  if (files.length === 0) return { fresh: true };
  if (files.includes('CURRENT')) return { fresh: false };
  const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? ', ...' : '');
  throw new StoreCorruptError(folder, [
    `the folder has files (${shown}) but no LevelDB CURRENT file, so it is a damaged or half-written database, or not a database folder at all ` +
      `(point the API server at an empty or missing folder to start a new cluster)`,
  ]);
}

/** True for errors that mean LevelDB found its files damaged or missing (not a lock or a permission problem). */
export function isCorruptionError(err: unknown): boolean {
  const codes = levelErrorCodes(err);
  if (codes.includes('LEVEL_CORRUPTION')) return true;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (/No such file or directory|does not exist \(create_if_missing is false\)|Invalid argument|corrupt/i.test(e.message)) return true;
  }
  return false;
}

export interface IndexEntry {
  createRevision: number;
  modRevision: number;
}

export interface LoadedState {
  revision: number;
  compacted: number;
  index: Map<string, IndexEntry>;
}

const CHUNK = 1_000;
/** Problems `loadState` collects before refusing the database. */
const OPEN_PROBLEMS = 10;

/**
 * Reads the revision, the compacted revision and the key index, checking
 * what a damaged or half-written database would get wrong: `m/rev` and
 * `m/compacted` are revisions with compacted <= rev, no log row is newer
 * than `m/rev`, and every current row is at or below `m/rev` and has its
 * history row (same value and createRevision). Fails with StoreCorruptError.
 */
export async function loadState(db: Database, location: string): Promise<LoadedState> {
  const problems: string[] = [];
  const [revText, compactedText] = await db.getMany([META_REVISION, META_COMPACTED]);
  const revision = revText === undefined ? NaN : parseRevision(revText);
  if (Number.isNaN(revision)) problems.push(`the revision row m/rev ${revText === undefined ? 'is missing' : `holds ${JSON.stringify(revText.slice(0, 40))}`}`);
  const compacted = compactedText === undefined ? 0 : parseRevision(compactedText);
  if (Number.isNaN(compacted)) problems.push(`the compacted revision row m/compacted holds ${JSON.stringify(compactedText?.slice(0, 40))}`);
  if (problems.length > 0) throw new StoreCorruptError(location, problems);
  if (compacted > revision) problems.push(`the compacted revision (m/compacted = ${compacted}) is above the current revision (m/rev = ${revision})`);

  const newestLog = await db.keys({ gte: LOG_PREFIX, lt: prefixEnd(LOG_PREFIX), reverse: true, limit: 1 }).all();
  if (newestLog[0] !== undefined) {
    const rev = parseRevision(newestLog[0].slice(LOG_PREFIX.length));
    if (Number.isNaN(rev)) problems.push(`the newest log row ${JSON.stringify(newestLog[0])} is not a revision`);
    else if (rev > revision) problems.push(`the newest log row is for revision ${rev}, above the current revision m/rev = ${revision} (a half-written batch?)`);
  }

  const index = new Map<string, IndexEntry>();
  await checkCurrentRows(db, undefined, revision, problems, OPEN_PROBLEMS, (key, row) => {
    index.set(key, { createRevision: row.createRevision, modRevision: row.modRevision });
  });
  if (problems.length > 0) throw new StoreCorruptError(location, problems);
  return { revision, compacted, index };
}

function describeKey(key: string): string {
  return JSON.stringify(key);
}

/**
 * Checks every current row `k/<key>`: it decodes, createRevision <=
 * modRevision <= `revision`, and the history row at its modRevision is a
 * version with the same createRevision and value. Calls `onRow` for rows
 * that decode. Stops once `problems` holds `limit` entries.
 */
async function checkCurrentRows(
  db: Database,
  snapshot: AbstractSnapshot | undefined,
  revision: number,
  problems: string[],
  limit: number,
  onRow: (key: string, row: CurrentRow) => void,
): Promise<void> {
  const it = db.iterator({ gte: CURRENT_PREFIX, lt: prefixEnd(CURRENT_PREFIX), snapshot });
  try {
    for (;;) {
      const rows = await it.nextv(CHUNK);
      if (rows.length === 0) return;
      const decoded: Array<{ key: string; row: CurrentRow }> = [];
      for (const [rowKey, text] of rows) {
        const key = rowKey.slice(CURRENT_PREFIX.length);
        let row: CurrentRow;
        try {
          row = decodeCurrent(text);
        } catch {
          problems.push(`the current row of ${describeKey(key)} does not decode: ${JSON.stringify(text.slice(0, 40))}`);
          continue;
        }
        if (row.modRevision > revision) {
          problems.push(`${describeKey(key)} has modRevision ${row.modRevision}, above the current revision m/rev = ${revision}`);
        } else if (row.createRevision < 1 || row.createRevision > row.modRevision) {
          problems.push(`${describeKey(key)} has createRevision ${row.createRevision} and modRevision ${row.modRevision}`);
        }
        onRow(key, row);
        decoded.push({ key, row });
      }
      const texts = await db.getMany(
        decoded.map(({ key, row }) => historyKey(key, row.modRevision)),
        { snapshot },
      );
      decoded.forEach(({ key, row }, i) => {
        const record = decodeOrUndefined(decodeHistory, texts[i]);
        if (record === undefined) problems.push(`${describeKey(key)} (modRevision ${row.modRevision}) has no history row at that revision`);
        else if (record.value === undefined)
          problems.push(`${describeKey(key)} (modRevision ${row.modRevision}) is live but its history row at that revision is a tombstone`);
        else if (record.createRevision !== row.createRevision || record.value !== row.value) {
          problems.push(`${describeKey(key)} (modRevision ${row.modRevision}) differs from its history row at that revision`);
        }
      });
      if (problems.length >= limit) return;
    }
  } finally {
    await it.close();
  }
}

/** A row decoded, or undefined when it is absent or malformed (a problem the caller reports). */
function decodeOrUndefined<T>(decode: (text: string) => T, text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return decode(text);
  } catch {
    return undefined;
  }
}

/** `h/<key>\0<16 digits>`, strictly: undefined when the row key is malformed. */
function parseHistoryRow(row: string): { key: string; rev: number } | undefined {
  const sep = row.length - 17;
  if (sep <= HISTORY_PREFIX.length || row[sep] !== '\0') return undefined;
  const inverted = parseRevision(row.slice(sep + 1));
  if (Number.isNaN(inverted)) return undefined;
  const key = row.slice(HISTORY_PREFIX.length, sep);
  if (key.includes('\0')) return undefined;
  return { key, rev: MAX_REVISION - inverted };
}

export interface VerifyOptions {
  /** Read at this snapshot (the store passes one so that concurrent writes do not show up as problems). */
  snapshot?: AbstractSnapshot;
  /** Stop after this many problems (default 100). */
  maxProblems?: number;
}

/**
 * The full consistency check of a database at the current layout. Returns
 * the problems found (empty: consistent), each a sentence naming the rows.
 * Without a snapshot, concurrent writes can show up as problems.
 */
export async function verifyDatabase(db: Database, opts: VerifyOptions = {}): Promise<string[]> {
  const { snapshot } = opts;
  const limit = opts.maxProblems ?? 100;
  const problems: string[] = [];
  const full = (): boolean => problems.length >= limit;
  const finish = (): string[] => (problems.length >= limit ? [...problems.slice(0, limit), `(stopped after ${limit} problems)`] : problems);

  // Meta rows.
  const [schemaText, revText, compactedText] = await db.getMany([META_SCHEMA, META_REVISION, META_COMPACTED], { snapshot });
  const schema = schemaText === undefined ? NaN : parseRevision(schemaText);
  if (schema !== SCHEMA_VERSION)
    problems.push(`the schema row m/schema is ${schemaText === undefined ? 'missing' : JSON.stringify(schemaText)}, expected ${SCHEMA_VERSION}`);
  const revision = revText === undefined ? NaN : parseRevision(revText);
  if (Number.isNaN(revision)) {
    problems.push(`the revision row m/rev is ${revText === undefined ? 'missing' : JSON.stringify(revText.slice(0, 40))}`);
    return finish();
  }
  const compacted = compactedText === undefined ? 0 : parseRevision(compactedText);
  if (Number.isNaN(compacted)) {
    problems.push(`the compacted revision row m/compacted holds ${JSON.stringify(compactedText?.slice(0, 40))}`);
    return finish();
  }
  if (compacted > revision) problems.push(`the compacted revision (m/compacted = ${compacted}) is above the current revision (m/rev = ${revision})`);

  // Rows outside the four prefixes, and unknown meta rows.
  const known = [HISTORY_PREFIX, CURRENT_PREFIX, LOG_PREFIX, META_PREFIX].sort();
  const gaps: Array<{ gte?: string; lt?: string }> = [];
  let from: string | undefined;
  for (const prefix of known) {
    gaps.push(from === undefined ? { lt: prefix } : { gte: from, lt: prefix });
    from = prefixEnd(prefix);
  }
  gaps.push({ gte: from! });
  for (const range of gaps) {
    for (const row of await db.keys({ ...range, limit: 3, snapshot }).all())
      problems.push(`unexpected row ${JSON.stringify(row.slice(0, 60))} (not part of the layout)`);
  }
  for (const row of await db.keys({ gte: META_PREFIX, lt: prefixEnd(META_PREFIX), snapshot }).all()) {
    if (row !== META_SCHEMA && row !== META_REVISION && row !== META_COMPACTED) problems.push(`unexpected meta row ${JSON.stringify(row)}`);
  }
  if (full()) return finish();

  // Current rows: each has its history row.
  let keys = 0;
  await checkCurrentRows(db, snapshot, revision, problems, limit, () => keys++);
  if (full()) return finish();

  await checkHistoryRows(db, snapshot, revision, compacted, problems, limit);
  if (full()) return finish();
  await checkLogRows(db, snapshot, revision, compacted, problems, limit);
  return finish();
}

/**
 * History rows: well-formed, at or below `revision`; the newest version of
 * each key matches its current row (a tombstone: no current row); each row
 * above `compacted` has the log row of its revision, for the same key and
 * kind of write.
 */
async function checkHistoryRows(
  db: Database,
  snapshot: AbstractSnapshot | undefined,
  revision: number,
  compacted: number,
  problems: string[],
  limit: number,
): Promise<void> {
  const it = db.iterator({ gte: HISTORY_PREFIX, lt: prefixEnd(HISTORY_PREFIX), snapshot });
  let lastKey: string | undefined;
  try {
    for (;;) {
      const rows = await it.nextv(CHUNK);
      if (rows.length === 0) return;
      const newest: Array<{ key: string; rev: number; record: HistoryRecord }> = [];
      const logged: Array<{ key: string; rev: number; record: HistoryRecord }> = [];
      for (const [row, text] of rows) {
        const parsed = parseHistoryRow(row);
        if (parsed === undefined) {
          problems.push(`malformed history row ${JSON.stringify(row.slice(0, 60))}`);
          continue;
        }
        const { key, rev } = parsed;
        let record: HistoryRecord;
        try {
          record = decodeHistory(text);
        } catch {
          problems.push(`the history row of ${describeKey(key)} at revision ${rev} does not decode: ${JSON.stringify(text.slice(0, 40))}`);
          continue;
        }
        if (rev < 1 || rev > revision) problems.push(`the history row of ${describeKey(key)} is for revision ${rev}, outside 1..m/rev = ${revision}`);
        if (record.createRevision < 1 || record.createRevision > rev)
          problems.push(`the history row of ${describeKey(key)} at revision ${rev} has createRevision ${record.createRevision}`);
        if (key !== lastKey) newest.push({ key, rev, record });
        lastKey = key;
        if (rev > compacted) logged.push({ key, rev, record });
      }
      const current = await db.getMany(
        newest.map(({ key }) => currentKey(key)),
        { snapshot },
      );
      newest.forEach(({ key, rev, record }, i) => {
        const text = current[i];
        if (record.value === undefined) {
          if (text !== undefined) problems.push(`${describeKey(key)} has a current row but its newest history row (revision ${rev}) is a tombstone`);
          return;
        }
        if (text === undefined) {
          problems.push(`${describeKey(key)} has no current row but its newest history row (revision ${rev}) is a live version`);
          return;
        }
        try {
          const row = decodeCurrent(text);
          if (row.modRevision !== rev)
            problems.push(`${describeKey(key)}'s current row has modRevision ${row.modRevision} but its newest history row is for revision ${rev}`);
        } catch {
          // checkCurrentRows reports it
        }
      });
      const logTexts = await db.getMany(
        logged.map(({ rev }) => logKey(rev)),
        { snapshot },
      );
      logged.forEach(({ key, rev, record }, i) => {
        const entry = decodeOrUndefined(decodeLog, logTexts[i]);
        if (entry === undefined)
          problems.push(`the history row of ${describeKey(key)} at revision ${rev} (above the compacted revision ${compacted}) has no log row l/${rev}`);
        else if (entry.key !== key)
          problems.push(`the log row l/${rev} is for ${describeKey(entry.key)}, but a history row of ${describeKey(key)} has that revision`);
        else if ((entry.type === 'd') !== (record.value === undefined))
          problems.push(`the log row l/${rev} (${entry.type}) and the history row of ${describeKey(key)} disagree on whether it was a delete`);
      });
      if (problems.length >= limit) return;
    }
  } finally {
    await it.close();
  }
}

/**
 * Log rows: well-formed, at or below `revision`, contiguous from `compacted
 * + 1` to `revision` (rows at or below `compacted` are leftovers of an
 * interrupted compaction and allowed); each row above `compacted` has the
 * history row of its revision and, for an update or delete, the history row
 * of the version it replaced.
 */
async function checkLogRows(
  db: Database,
  snapshot: AbstractSnapshot | undefined,
  revision: number,
  compacted: number,
  problems: string[],
  limit: number,
): Promise<void> {
  const it = db.iterator({ gt: logKey(compacted), lt: prefixEnd(LOG_PREFIX), snapshot });
  let expected = compacted + 1;
  const gap = (from: number, to: number): void => {
    problems.push(from === to ? `the log row for revision ${from} is missing` : `the log rows for revisions ${from}..${to} are missing`);
  };
  try {
    for (;;) {
      const rows = await it.nextv(CHUNK);
      if (rows.length === 0) break;
      const checks: Array<{ rev: number; entry: LogEntry }> = [];
      for (const [row, text] of rows) {
        const rev = parseRevision(row.slice(LOG_PREFIX.length));
        if (Number.isNaN(rev)) {
          problems.push(`malformed log row ${JSON.stringify(row.slice(0, 60))}`);
          continue;
        }
        if (rev > revision) {
          problems.push(`the log row l/${rev} is above the current revision m/rev = ${revision}`);
          continue;
        }
        if (rev > expected) gap(expected, rev - 1);
        expected = rev + 1;
        let entry: LogEntry;
        try {
          entry = decodeLog(text);
        } catch {
          problems.push(`the log row l/${rev} does not decode: ${JSON.stringify(text.slice(0, 40))}`);
          continue;
        }
        if (entry.type === 'c' ? entry.prevModRevision !== 0 : entry.prevModRevision < 1 || entry.prevModRevision >= rev) {
          problems.push(`the log row l/${rev} (${entry.type}) has previous revision ${entry.prevModRevision}`);
          continue;
        }
        checks.push({ rev, entry });
      }
      const keys: string[] = [];
      for (const { rev, entry } of checks) {
        keys.push(historyKey(entry.key, rev));
        if (entry.type !== 'c') keys.push(historyKey(entry.key, entry.prevModRevision));
      }
      const texts = await db.getMany(keys, { snapshot });
      let i = 0;
      for (const { rev, entry } of checks) {
        const record = decodeOrUndefined(decodeHistory, texts[i++]);
        if (record === undefined) problems.push(`the log row l/${rev} (${entry.type} ${describeKey(entry.key)}) has no history row at that revision`);
        else if (entry.type === 'c' && record.createRevision !== rev)
          problems.push(`the create at l/${rev} of ${describeKey(entry.key)} has a history row with createRevision ${record.createRevision}`);
        if (entry.type === 'c') continue;
        const prev = decodeOrUndefined(decodeHistory, texts[i++]);
        if (prev === undefined || prev.value === undefined) {
          problems.push(
            `the log row l/${rev} (${entry.type} ${describeKey(entry.key)}) replaced the version at revision ${entry.prevModRevision}, which has no live history row`,
          );
        } else if (record !== undefined && record.createRevision !== prev.createRevision) {
          problems.push(
            `the log row l/${rev} (${entry.type} ${describeKey(entry.key)}): createRevision changed from ${prev.createRevision} to ${record.createRevision}`,
          );
        }
      }
      if (problems.length >= limit) return;
    }
  } finally {
    await it.close();
  }
  if (expected <= revision) gap(expected, revision);
}

/** Maps a failure while opening or reading a database being opened: damage becomes StoreCorruptError, the rest is rethrown. */
export function asOpenError(err: unknown, location: string): unknown {
  if (err instanceof StoreCorruptError) return err;
  if (!isCorruptionError(err)) return err;
  const chain: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) chain.push(e.message);
  const what = levelErrorCodes(err).length > 0 ? 'LevelDB reports' : 'a row is damaged';
  return new StoreCorruptError(location, [`${what}: ${chain.join(': ')}`], { cause: err });
}
