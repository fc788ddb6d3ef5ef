import { appendFile, mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatCriLogLine } from '@mk8s/cri';
import { readContainerLog, streamContainerLog } from './container-logs.js';

const BASE = Date.parse('2026-01-02T03:04:00Z');
const at = (s: number) => BASE + s * 1000;
const stamp = (s: number) => new Date(at(s)).toISOString().replace('Z', '000000Z');
const none = { timestamps: false };

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelet-logs-'));
  file = join(dir, '0.log');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Five stdout lines, one per second from BASE+1s. */
async function fiveLines(): Promise<void> {
  let text = '';
  for (let i = 1; i <= 5; i++) text += formatCriLogLine(at(i), 'stdout', `line ${i}`);
  await writeFile(file, text);
}

/** Pulls chunks from a following stream into `out` in the background. */
function drain(gen: AsyncGenerator<Buffer>): { out: () => string; done: Promise<void> } {
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of gen) chunks.push(c);
  })();
  return { out: () => Buffer.concat(chunks).toString('utf8'), done };
}

describe('readContainerLog', () => {
  it('prints plain lines from stdout and stderr in file order', async () => {
    await writeFile(file, formatCriLogLine(at(1), 'stdout', 'out') + formatCriLogLine(at(2), 'stderr', 'err') + 'garbage line\n');
    expect(await readContainerLog(file, none)).toBe('out\nerr\n');
  });

  it('prefixes RFC3339Nano timestamps with timestamps=true', async () => {
    await fiveLines();
    const text = await readContainerLog(file, { timestamps: true, tailLines: 2 });
    expect(text).toBe(`${stamp(4)} line 4\n${stamp(5)} line 5\n`);
  });

  it('joins partial records into one line', async () => {
    await writeFile(
      file,
      formatCriLogLine(at(1), 'stdout', 'a long ', 'P') +
        formatCriLogLine(at(1), 'stderr', 'between') +
        formatCriLogLine(at(2), 'stdout', 'line', 'P') +
        formatCriLogLine(at(3), 'stdout', '!') +
        formatCriLogLine(at(4), 'stdout', 'unfinished', 'P'),
    );
    expect(await readContainerLog(file, { timestamps: true })).toBe(`${stamp(1)} between\n${stamp(1)} a long line!\n${stamp(4)} unfinished\n`);
  });

  it('tailLines keeps the last N complete lines, 0 none, more than there are all', async () => {
    await fiveLines();
    expect(await readContainerLog(file, { ...none, tailLines: 2 })).toBe('line 4\nline 5\n');
    expect(await readContainerLog(file, { ...none, tailLines: 0 })).toBe('');
    expect(await readContainerLog(file, { ...none, tailLines: 99 })).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
  });

  it('a huge tailLines streams the log without holding it in memory', async () => {
    // 200,000 lines of 200 bytes (about 48 MB as CRI records): held back as lines, they would take far more heap than this test allows.
    const payload = 'x'.repeat(200);
    const block = Array.from({ length: 1000 }, (_, i) => formatCriLogLine(at(1), 'stdout', `${i} ${payload}`)).join('');
    for (let i = 0; i < 200; i++) await appendFile(file, block);
    // What the heap retains (after a full collection), sampled while the stream runs.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let bytes = 0;
    let chunks = 0;
    for await (const c of streamContainerLog(file, { ...none, follow: false, tailLines: 1e15 })) {
      bytes += c.length;
      if (++chunks % 10_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    const perBlock = Array.from({ length: 1000 }, (_, i) => `${i} ${payload}\n`.length).reduce((a, b) => a + b, 0);
    expect(bytes).toBe(200 * perBlock);
    // About 1 MB here; holding the lines back retained over 20 MB.
    expect(peak).toBeLessThan(8 * 1024 * 1024);
  }, 60_000);

  it('counts a line joined from partial records once for tailLines', async () => {
    await writeFile(file, formatCriLogLine(at(1), 'stdout', 'one') + formatCriLogLine(at(2), 'stdout', 't', 'P') + formatCriLogLine(at(2), 'stdout', 'wo'));
    expect(await readContainerLog(file, { ...none, tailLines: 1 })).toBe('two\n');
  });

  it('since keeps lines at or after the instant, applied after tail', async () => {
    await fiveLines();
    expect(await readContainerLog(file, { ...none, sinceMs: at(4) })).toBe('line 4\nline 5\n');
    expect(await readContainerLog(file, { ...none, sinceMs: at(3), tailLines: 4 })).toBe('line 3\nline 4\nline 5\n');
    expect(await readContainerLog(file, { ...none, sinceMs: at(10) })).toBe('');
  });

  it('limitBytes cuts the output at that many bytes, even mid-line', async () => {
    await fiveLines();
    expect(await readContainerLog(file, { ...none, limitBytes: 10 })).toBe('line 1\nlin');
    expect(await readContainerLog(file, { ...none, limitBytes: 7 })).toBe('line 1\n');
  });

  it('reads a last record that lacks its newline', async () => {
    await writeFile(file, formatCriLogLine(at(1), 'stdout', 'done').slice(0, -1));
    expect(await readContainerLog(file, none)).toBe('done\n');
  });

  it('reads a missing file as empty and handles lines across read chunks', async () => {
    expect(await readContainerLog(join(dir, 'missing.log'), none)).toBe('');
    const big = 'x'.repeat(70_000);
    await writeFile(file, formatCriLogLine(at(1), 'stdout', big) + formatCriLogLine(at(2), 'stdout', 'after'));
    expect(await readContainerLog(file, none)).toBe(`${big}\nafter\n`);
  });

  it('fails when the path cannot be read as a file', async () => {
    await expect(readContainerLog(dir, none)).rejects.toThrow(/EISDIR/);
  });
});

describe('streamContainerLog with follow', () => {
  it('streams lines appended later and ends once stopWhen says exited and the file is drained', async () => {
    await fiveLines();
    let exited = false;
    const stream = drain(streamContainerLog(file, { timestamps: false, follow: true, tailLines: 1 }, { stopWhen: () => exited, pollIntervalMs: 5 }));
    await vi.waitFor(() => expect(stream.out()).toBe('line 5\n'));
    await appendFile(file, formatCriLogLine(at(6), 'stdout', 'line 6'));
    await vi.waitFor(() => expect(stream.out()).toBe('line 5\nline 6\n'));
    // Written just before the exit: still delivered before the stream ends.
    await appendFile(file, formatCriLogLine(at(7), 'stderr', 'last', 'P'));
    exited = true;
    await stream.done;
    expect(stream.out()).toBe('line 5\nline 6\nlast\n');
  });

  it('keeps going until aborted when there is no stopWhen', async () => {
    const abort = new AbortController();
    const stream = drain(streamContainerLog(file, { timestamps: false, follow: true }, { signal: abort.signal, pollIntervalMs: 5 }));
    // The file does not exist yet: the reader waits for it.
    await writeFile(file, formatCriLogLine(at(1), 'stdout', 'hello'));
    await vi.waitFor(() => expect(stream.out()).toBe('hello\n'));
    abort.abort();
    await stream.done;
    expect(stream.out()).toBe('hello\n');
  });

  it('ends a follow when limitBytes is reached', async () => {
    await fiveLines();
    const stream = drain(streamContainerLog(file, { timestamps: false, follow: true, limitBytes: 14 }, { pollIntervalMs: 5 }));
    await stream.done;
    expect(stream.out()).toBe('line 1\nline 2\n');
  });

  it('filters followed lines by since too', async () => {
    await writeFile(file, formatCriLogLine(at(1), 'stdout', 'old'));
    let exited = false;
    const stream = drain(streamContainerLog(file, { timestamps: false, follow: true, sinceMs: at(2) }, { stopWhen: () => exited, pollIntervalMs: 5 }));
    await appendFile(file, formatCriLogLine(at(0), 'stdout', 'older') + formatCriLogLine(at(3), 'stdout', 'new'));
    await vi.waitFor(() => expect(stream.out()).toBe('new\n'));
    exited = true;
    await stream.done;
    expect(stream.out()).toBe('new\n');
  });

  it('moves to a new file created at the same path (rotation)', async () => {
    await writeFile(file, formatCriLogLine(at(1), 'stdout', 'before rotation'));
    let exited = false;
    const stream = drain(streamContainerLog(file, { timestamps: false, follow: true }, { stopWhen: () => exited, pollIntervalMs: 5 }));
    await vi.waitFor(() => expect(stream.out()).toBe('before rotation\n'));
    await rename(file, `${file}.1`);
    await writeFile(file, formatCriLogLine(at(2), 'stdout', 'after rotation'));
    await vi.waitFor(() => expect(stream.out()).toBe('before rotation\nafter rotation\n'));
    exited = true;
    await stream.done;
  });
});
