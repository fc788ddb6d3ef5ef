/**
 * A non-blocking, size-rotated log file (the audit log's backend, after
 * Kubernetes' buffered log backend with lumberjack rotation):
 *
 * - `write(line)` only queues: requests never wait for the disk. Queued
 *   lines are written in batches by one background flush at a time.
 * - The queue is bounded (`bufferSize` lines); a line that does not fit is
 *   dropped and reported through `onDrop`, so a slow or stuck disk costs
 *   audit lines, never request latency or memory.
 * - With `maxSizeBytes`, a file about to grow past it is renamed to
 *   `<name>-<UTC time>.<ext>` and a new file started; only the newest
 *   `maxBackups` renamed files are kept (0 keeps all).
 * - Write errors drop the batch (reported through `onError`) and never throw.
 */
import { mkdirSync } from 'node:fs';
import { open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface FileWriterOptions {
  path: string;
  /** Rotate before the file would exceed this many bytes; 0 never rotates. */
  maxSizeBytes?: number;
  /** Rotated files to keep; 0 keeps all. */
  maxBackups?: number;
  /** Lines that may wait for the disk (default 10000). */
  bufferSize?: number;
  onDrop?: (lines: number) => void;
  onError?: (err: unknown) => void;
  /** Clock for backup names. */
  now?: () => number;
}

/** `audit.log` at 2024-05-01T10:00:00.123Z -> `audit-2024-05-01T10-00-00.123.log`. */
export function backupName(file: string, ms: number): string {
  const ext = path.extname(file);
  const base = file.slice(0, file.length - ext.length);
  const stamp = new Date(ms).toISOString().replace(/:/g, '-').replace(/Z$/, '');
  return `${base}-${stamp}${ext}`;
}

export class RotatingFileWriter {
  private queue: string[] = [];
  private flushing: Promise<void> | undefined;
  private fh: FileHandle | undefined;
  private size = 0;
  private closed = false;
  private readonly maxSize: number;
  private readonly maxBackups: number;
  private readonly bufferSize: number;
  private readonly now: () => number;

  constructor(private readonly opts: FileWriterOptions) {
    this.maxSize = opts.maxSizeBytes ?? 0;
    this.maxBackups = opts.maxBackups ?? 0;
    this.bufferSize = opts.bufferSize ?? 10_000;
    this.now = opts.now ?? Date.now;
    mkdirSync(path.dirname(opts.path), { recursive: true });
  }

  /** Queues one line (a newline is added). False when it was dropped (buffer full or closed). */
  write(line: string): boolean {
    if (this.closed || this.queue.length >= this.bufferSize) {
      this.opts.onDrop?.(1);
      return false;
    }
    this.queue.push(line.endsWith('\n') ? line : `${line}\n`);
    if (!this.flushing) this.flushing = this.flushLoop();
    return true;
  }

  /** Resolves once every line queued so far is written (or dropped on error). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Flushes, then closes the file; later writes are dropped. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }

  private async openFile(): Promise<FileHandle> {
    if (this.fh) return this.fh;
    // Audit events name users and objects: readable by the server's owner only.
    this.fh = await open(this.opts.path, 'a', 0o600);
    this.size = (await stat(this.opts.path)).size;
    return this.fh;
  }

  private async flushLoop(): Promise<void> {
    try {
      // Let the request that queued the line finish first.
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.writeBatch(batch);
        } catch (err) {
          this.opts.onError?.(err);
          this.opts.onDrop?.(batch.length);
          await this.fh?.close().catch(() => undefined);
          this.fh = undefined;
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeBatch(lines: string[]): Promise<void> {
    let chunk = '';
    let chunkBytes = 0;
    const fh = await this.openFile();
    let handle = fh;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (this.maxSize > 0 && this.size + chunkBytes + bytes > this.maxSize && this.size + chunkBytes > 0) {
        if (chunk) await handle.write(chunk);
        this.size += chunkBytes;
        chunk = '';
        chunkBytes = 0;
        handle = await this.rotate();
      }
      chunk += line;
      chunkBytes += bytes;
    }
    if (chunk) await handle.write(chunk);
    this.size += chunkBytes;
  }

  private async rotate(): Promise<FileHandle> {
    await this.fh?.close();
    this.fh = undefined;
    let target = backupName(this.opts.path, this.now());
    for (let i = 1; await exists(target); i++) target = backupName(this.opts.path, this.now() + i);
    await rename(this.opts.path, target);
    await this.prune();
    return this.openFile();
  }

  private async prune(): Promise<void> {
    if (this.maxBackups <= 0) return;
    const dir = path.dirname(this.opts.path);
    const ext = path.extname(this.opts.path);
    const stem = path.basename(this.opts.path, ext);
    const backups = (await readdir(dir)).filter((f) => f.startsWith(`${stem}-`) && f.endsWith(ext) && /\d{4}-\d\d-\d\dT/.test(f)).sort();
    for (const f of backups.slice(0, Math.max(0, backups.length - this.maxBackups))) await rm(path.join(dir, f), { force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
