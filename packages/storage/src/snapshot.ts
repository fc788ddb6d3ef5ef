/**
 * The snapshot file of a level store (`mk8s snapshot save` / `restore`):
 * every row of the database at one revision, as gzip-compressed JSON lines.
 *
 * ```
 * {"format":"mk8s-snapshot/1","schema":1,"revision":1234,"compacted":1000,"createdAt":"2025-01-01T00:00:00.000Z","source":"/var/lib/mk8s"}
 * ["h//registry/pods/default/web\u00009007199254739757","v:1234:{...}"]
 * ["k//registry/pods/default/web","1234:1234:{...}"]
 * ...
 * {"trailer":true,"rows":5678,"sha256":"<hex>"}
 * ```
 *
 * - Line 1, the header: `format` (SNAPSHOT_FORMAT; a reader refuses any other),
 *   the layout `schema` of the rows, the `revision` and `compacted` revision
 *   they hold, when and from where it was taken.
 * - One line per row, `[key, value]`, in key order: history `h/`, current
 *   `k/`, log `l/` and meta `m/` rows exactly as layout.ts stores them.
 * - The last line, the trailer: the number of rows and the SHA-256 of every
 *   line before it (header included), each as UTF-8 with its `\n`. A file
 *   without its trailer is truncated; a different hash means it was altered.
 *
 * The rows come from one LevelDB iterator, hence one implicit snapshot: the
 * file is consistent at `revision` even while the store keeps writing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import type { AbstractLevel } from 'abstract-level';
import { SnapshotError } from './errors.js';
import { META_COMPACTED, META_PREFIX, META_PROBE, META_REVISION, META_SCHEMA, parseRevision } from './layout.js';
import { SCHEMA_VERSION } from './schema.js';

type Database = AbstractLevel<string | Buffer | Uint8Array, string, string>;

/** The `format` of the snapshot files this code writes and reads. A new line format gets a new number. */
export const SNAPSHOT_FORMAT = 'mk8s-snapshot/1';

export interface SnapshotHeader {
  format: string;
  /** Layout schema of the rows (schema.ts). */
  schema: number;
  /** The revision the rows hold (`m/rev`). */
  revision: number;
  /** The compacted revision the rows hold (`m/compacted`). */
  compacted: number;
  /** ISO 8601 time the snapshot was taken. */
  createdAt: string;
  /** The database folder it was taken from, if known. */
  source?: string;
}

export interface SnapshotInfo extends SnapshotHeader {
  /** Number of rows. */
  rows: number;
  /** SHA-256 (hex) of the header and row lines. */
  sha256: string;
}

interface Trailer {
  trailer: true;
  rows: number;
  sha256: string;
}

const CHUNK = 1_000;

/**
 * Writes a snapshot of `db` to `out`: a file path (written to a temporary
 * file beside it with mode 0600, synced, then renamed into place) or a
 * stream (written but not ended: it may be a socket or stdout).
 */
export async function writeSnapshot(db: Database, out: NodeJS.WritableStream | string, source?: string): Promise<SnapshotInfo> {
  // One iterator: its implicit snapshot holds the meta rows read first and the rows streamed after.
  const it = db.iterator();
  let info: SnapshotInfo | undefined;
  try {
    it.seek(META_PREFIX);
    const meta = new Map<string, string>();
    for (;;) {
      const rows = await it.nextv(16);
      for (const [key, value] of rows) if (key.startsWith(META_PREFIX)) meta.set(key, value);
      if (rows.length === 0 || !rows[rows.length - 1]![0].startsWith(META_PREFIX)) break;
    }
    const header: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      schema: parseRevision(meta.get(META_SCHEMA) ?? '0'),
      revision: parseRevision(meta.get(META_REVISION) ?? '0'),
      compacted: parseRevision(meta.get(META_COMPACTED) ?? '0'),
      createdAt: new Date().toISOString(),
      source,
    };
    it.seek('');

    const hash = createHash('sha256');
    let count = 0;
    async function* lines(): AsyncGenerator<string> {
      const headerLine = JSON.stringify(header) + '\n';
      hash.update(headerLine);
      yield headerLine;
      for (;;) {
        const rows = await it.nextv(CHUNK);
        if (rows.length === 0) break;
        let text = '';
        for (const [key, value] of rows) {
          if (key === META_PROBE) continue;
          text += JSON.stringify([key, value]) + '\n';
          count++;
        }
        hash.update(text);
        yield text;
      }
      const sha256 = hash.digest('hex');
      info = { ...header, rows: count, sha256 };
      const trailer: Trailer = { trailer: true, rows: count, sha256 };
      yield JSON.stringify(trailer) + '\n';
    }

    if (typeof out !== 'string') {
      await pipeline(Readable.from(lines()), createGzip(), out, { end: false });
    } else {
      const temp = `${out}.partial-${process.pid}-${Date.now()}`;
      try {
        // The stream closes the file; a second handle syncs it before the rename publishes it.
        const file = await open(temp, 'wx', 0o600);
        await pipeline(Readable.from(lines()), createGzip(), file.createWriteStream());
        const again = await open(temp, 'r');
        try {
          await again.sync();
        } finally {
          await again.close();
        }
        await rename(temp, out);
      } catch (err) {
        await unlink(temp).catch(() => {});
        throw err;
      }
    }
  } finally {
    await it.close().catch(() => {});
  }
  return info!;
}

/**
 * Reads and checks a snapshot file, calling `onRow` for each row in order
 * (awaited: it may write them somewhere). Fails with SnapshotError when the
 * file is not a snapshot of this format, is truncated (no trailer, or the
 * gzip stream ends early) or altered (row count or checksum differ), or its
 * meta rows contradict its header. `onRow` sees rows before the checksum is
 * known: a caller that writes them must discard its output on failure.
 */
export async function readSnapshot(file: string, onRow?: (key: string, value: string) => void | Promise<void>): Promise<SnapshotInfo> {
  const fail: (reason: string, cause?: unknown) => never = (reason, cause) => {
    throw new SnapshotError(file, reason, cause !== undefined ? { cause } : undefined);
  };
  const gunzip = createGunzip();
  const source = createReadStream(file);
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);

  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let header: SnapshotHeader | undefined;
  let trailer: Trailer | undefined;
  let rows = 0;
  let lineNo = 0;
  const meta = new Map<string, string>();
  let pending = '';

  const onLine = async (line: string): Promise<void> => {
    lineNo++;
    if (trailer !== undefined) {
      if (line.trim() === '') return;
      fail(`line ${lineNo} follows the trailer (the file was altered)`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      fail(
        lineNo === 1
          ? 'it is not an mk8s snapshot (its first line is not a JSON header)'
          : `line ${lineNo} is not valid JSON (the file was altered or truncated)`,
      );
    }
    if (header === undefined) {
      header = checkHeader(parsed, fail);
      hash.update(line + '\n');
      return;
    }
    if (Array.isArray(parsed)) {
      const [key, value] = parsed as unknown[];
      if (parsed.length !== 2 || typeof key !== 'string' || typeof value !== 'string') fail(`line ${lineNo} is not a [key, value] row`);
      hash.update(line + '\n');
      rows++;
      if (key.startsWith(META_PREFIX)) meta.set(key, value);
      if (onRow) await onRow(key, value);
      return;
    }
    const t = parsed as Partial<Trailer> | null;
    if (t === null || typeof t !== 'object' || t.trailer !== true || typeof t.rows !== 'number' || typeof t.sha256 !== 'string') {
      fail(`line ${lineNo} is neither a row nor the trailer`);
    }
    trailer = t as Trailer;
  };

  try {
    for await (const chunk of gunzip) {
      pending += decoder.write(chunk as Buffer);
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        await onLine(line);
        nl = pending.indexOf('\n');
      }
    }
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') fail(`cannot read it (${message})`, err);
    if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message)) {
      fail(`it is truncated: the compressed data ends early, after ${rows} rows`, err);
    }
    if (code === 'Z_DATA_ERROR') {
      fail(lineNo === 0 ? 'it is not an mk8s snapshot (not gzip data)' : `its compressed data is damaged after ${rows} rows (${message})`, err);
    }
    throw err;
  } finally {
    source.destroy();
  }
  pending += decoder.end();
  if (pending.length > 0) await onLine(pending);

  if (header === undefined) fail('it is empty (no header)');
  if (trailer === undefined) fail(`it is truncated: it ends after ${rows} rows without its trailer`);
  const sha256 = hash.digest('hex');
  if (trailer!.rows !== rows) fail(`its trailer counts ${trailer!.rows} rows but it holds ${rows} (the file was altered)`);
  if (trailer!.sha256 !== sha256) fail(`its checksum does not match: the file was altered (sha256 ${sha256}, trailer says ${trailer!.sha256})`);
  const h = header!;
  const metaSays = (key: string, expected: number, fallback: string | undefined): void => {
    const text = meta.get(key) ?? fallback;
    if (text === undefined || parseRevision(text) !== expected) fail(`its header says ${key} = ${expected} but its row holds ${JSON.stringify(text ?? null)}`);
  };
  metaSays(META_REVISION, h.revision, undefined);
  metaSays(META_COMPACTED, h.compacted, '0');
  metaSays(META_SCHEMA, h.schema, '0');
  return { ...h, rows, sha256 };
}

/** Reads and checks a snapshot file without writing anything: its header, row count and checksum. */
export function inspectSnapshot(file: string): Promise<SnapshotInfo> {
  return readSnapshot(file);
}

function checkHeader(parsed: unknown, fail: (reason: string) => never): SnapshotHeader {
  const h = parsed as Partial<SnapshotHeader> | null;
  if (h === null || typeof h !== 'object' || Array.isArray(h) || typeof h.format !== 'string')
    return fail('it is not an mk8s snapshot (no format in its header)');
  if (h.format !== SNAPSHOT_FORMAT) {
    return fail(
      h.format.startsWith('mk8s-snapshot/')
        ? `it is in snapshot format ${h.format}; this mk8s reads ${SNAPSHOT_FORMAT} (restore it with the mk8s that wrote it)`
        : `it is not an mk8s snapshot (format ${JSON.stringify(h.format)})`,
    );
  }
  for (const field of ['schema', 'revision', 'compacted'] as const) {
    const v = h[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return fail(`its header has no valid ${field}`);
  }
  if (h.schema! > SCHEMA_VERSION) {
    return fail(`it holds schema ${h.schema}, and this mk8s knows schema ${SCHEMA_VERSION}: restore it with the newer mk8s that wrote it`);
  }
  if (h.compacted! > h.revision!) return fail(`its header has compacted revision ${h.compacted} above revision ${h.revision}`);
  return h as SnapshotHeader;
}
