/**
 * Reads a container's CRI log file and yields what `kubectl logs` prints
 * (Kubernetes' kuberuntime ReadLogs, reimplemented): plain lines, optionally
 * timestamped, after `tailLines`, `since` and `limitBytes`, and with `follow`
 * the lines appended later, until the container has exited and the file is
 * drained, or the caller aborts.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { LogLineAssembler, renderLogLine, type LogLine } from './log-lines.js';
import type { ContainerLogOptions } from './log-options.js';

export interface StreamLogControl {
  /** Ends the stream (the client went away); a pending wait wakes at once. */
  signal?: AbortSignal;
  /**
   * Following only: asked whenever the reader has caught up with the file;
   * true means the container has exited (or was replaced), so the reader
   * drains what is left and ends. Absent: follow until aborted.
   */
  stopWhen?: () => boolean | Promise<boolean>;
  /** How often a following reader looks for new data (default 100 ms). */
  pollIntervalMs?: number;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Yields the log as UTF-8 chunks (each one or more whole lines, except the
 * last one `limitBytes` cuts). A missing file reads as empty; when following,
 * the reader waits for it to appear. When following, a file replaced at the
 * same path (log rotation) is read from its start once the old one is drained.
 * `tailLines` and `since` apply to the file as it is when the request starts
 * (tail first, then since, as the kubelet does); later lines are only
 * filtered by `since`.
 */
export async function* streamContainerLog(
  path: string,
  opts: Omit<ContainerLogOptions, 'previous'>,
  ctl: StreamLogControl = {},
): AsyncGenerator<Buffer, void, undefined> {
  const poll = ctl.pollIntervalMs ?? 100;
  const assembler = new LogLineAssembler();
  let remaining = opts.limitBytes ?? Infinity;
  // tailLines: the lines before the last N of the content as it is now are
  // skipped as they are read. Counting them first (one extra read of the
  // file) keeps memory at one line whatever N is; holding back the last N
  // lines instead would buffer the whole log for a huge N.
  let skip = opts.tailLines !== undefined ? Math.max(0, (await countLines(path, opts.follow === true)) - opts.tailLines) : 0;
  const reader = new LineReader(path);

  /** Renders lines, applying tail, `since` and the byte limit; [] once the limit is spent. */
  const accept = (lines: LogLine[]): Buffer[] => {
    const out: Buffer[] = [];
    for (const line of lines) {
      if (remaining <= 0) break;
      if (skip > 0) {
        skip--;
        continue;
      }
      if (opts.sinceMs !== undefined && line.time < opts.sinceMs) continue;
      let buf = Buffer.from(renderLogLine(line, opts.timestamps), 'utf8');
      if (buf.length > remaining) buf = buf.subarray(0, remaining);
      remaining -= buf.length;
      out.push(buf);
    }
    return out;
  };

  try {
    let stopping = false;
    for (;;) {
      if (ctl.signal?.aborted) return;
      const records = await reader.readRecords(!opts.follow || stopping);
      const lines: LogLine[] = [];
      for (const r of records) {
        const line = assembler.push(r);
        if (line) lines.push(line);
      }
      for (const buf of accept(lines)) yield buf;
      if (remaining <= 0) return;
      if (records.length > 0) continue;

      // Caught up with the file.
      if (!opts.follow || stopping) {
        for (const buf of accept(assembler.flush())) yield buf;
        return;
      }
      if (ctl.stopWhen && (await ctl.stopWhen())) {
        // One more pass: what the container wrote before it exited.
        stopping = true;
        continue;
      }
      if (await reader.rotated()) continue;
      await sleep(poll, ctl.signal);
    }
  } finally {
    await reader.close();
  }
}

/**
 * The lines the file holds now, as the reader below would produce them: with
 * `follow`, a last line still being written is not one yet.
 */
async function countLines(path: string, follow: boolean): Promise<number> {
  const reader = new LineReader(path);
  const assembler = new LogLineAssembler();
  let count = 0;
  try {
    for (;;) {
      const records = await reader.readRecords(!follow);
      if (records.length === 0) break;
      for (const r of records) if (assembler.push(r)) count++;
    }
    if (!follow) count += assembler.flush().length;
  } finally {
    await reader.close();
  }
  return count;
}

/** Collects a whole (non-following) log as a string; for tests and small callers. */
export async function readContainerLog(path: string, opts: Omit<ContainerLogOptions, 'previous' | 'follow'>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of streamContainerLog(path, { ...opts, follow: false })) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Newline-delimited records from a file that may grow, appear late or be replaced. */
class LineReader {
  private fh: FileHandle | undefined;
  private ino = -1;
  private position = 0;
  private rest: Buffer = Buffer.alloc(0);
  private readonly buf = Buffer.alloc(CHUNK);

  constructor(private readonly path: string) {}

  /**
   * Records appended since the last call ([] when there is nothing new).
   * `final`: the writer is done, so a last record without its newline counts.
   */
  async readRecords(final: boolean): Promise<string[]> {
    if (!this.fh && !(await this.open())) return [];
    const fh = this.fh!;
    const records: string[] = [];
    for (;;) {
      const { bytesRead } = await fh.read(this.buf, 0, CHUNK, this.position);
      if (bytesRead === 0) break;
      this.position += bytesRead;
      let data = Buffer.concat([this.rest, this.buf.subarray(0, bytesRead)]);
      let nl: number;
      while ((nl = data.indexOf(NEWLINE)) >= 0) {
        records.push(data.subarray(0, nl).toString('utf8'));
        data = data.subarray(nl + 1);
      }
      this.rest = Buffer.from(data);
      if (records.length >= 1024) return records; // let the caller stream in steps
    }
    if (final && this.rest.length > 0) {
      records.push(this.rest.toString('utf8'));
      this.rest = Buffer.alloc(0);
    }
    return records;
  }

  /**
   * True when another file now sits at the path (or ours was truncated): the
   * reader switches to it, from its start. Call only once the current one is drained.
   */
  async rotated(): Promise<boolean> {
    if (!this.fh) return false;
    let st;
    try {
      st = await stat(this.path);
    } catch {
      return false; // removed and not yet recreated: keep waiting on what we have
    }
    if (st.ino === this.ino && st.size >= this.position) return false;
    await this.close();
    return true;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    this.position = 0;
    this.rest = Buffer.alloc(0);
    await fh?.close().catch(() => undefined);
  }

  private async open(): Promise<boolean> {
    if (this.path === '') return false;
    try {
      this.fh = await open(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    this.ino = (await this.fh.stat()).ino;
    this.position = 0;
    return true;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
