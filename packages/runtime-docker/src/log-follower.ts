/**
 * Copies a running container's stdout/stderr into its CRI log file while it
 * runs, so the kubelet can serve `kubectl logs` from the file (as with any CRI
 * runtime). It follows Docker's logs API with timestamps and demultiplexes
 * the frames; the copy ends when the container stops.
 */
import { open, mkdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Dockerode from 'dockerode';
import { toCriLogEntries, lastEntryTime } from './cri-log-format.js';
import type { LogStream } from '@mk8s/cri';
import { dockerSinceAfter } from './time.js';

const TAIL_BYTES = 64 * 1024;

/** Creates the log file (and its folder) empty if absent, so it exists from creation on. */
export async function ensureLogFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'a');
  await fh.close();
}

/**
 * The `since` to resume following after a restart of the runtime: just after
 * the last entry already in the file, so no line is copied twice.
 */
async function resumePoint(path: string): Promise<string | undefined> {
  let fh: FileHandle | undefined;
  try {
    const size = (await stat(path)).size;
    if (size === 0) return undefined;
    fh = await open(path, 'r');
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    return dockerSinceAfter(lastEntryTime(buf.toString('utf8')));
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

export class LogFollower {
  /** Settles when the copy has ended and the file is closed; never rejects. */
  readonly done: Promise<void>;
  private stream: NodeJS.ReadableStream | undefined;
  private stopped = false;

  constructor(
    docker: Dockerode,
    containerId: string,
    readonly path: string,
    resume: boolean,
  ) {
    this.done = this.run(docker, containerId, resume).catch(() => undefined);
  }

  /** Stops copying (for example when the container is removed or the runtime closes). */
  stop(): void {
    this.stopped = true;
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    s?.destroy?.();
  }

  private async run(docker: Dockerode, containerId: string, resume: boolean): Promise<void> {
    await ensureLogFile(this.path);
    const since = resume ? await resumePoint(this.path) : undefined;
    if (this.stopped) return;
    const stream = await docker.getContainer(containerId).logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      // Kept: dockerode writes every key into the query string, an undefined one as `since=`.
      ...(since !== undefined ? { since } : {}),
    });
    this.stream = stream;
    // Listen for the end before anything else is awaited: a stop() that destroys the stream while the file
    // opens emits 'close' only once, and a listener attached after it would wait forever.
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
      if ((stream as NodeJS.ReadableStream & { destroyed?: boolean }).destroyed) resolve();
    });
    if (this.stopped) return this.stop();
    const file = await open(this.path, 'a');
    // Entries are appended in the order frames arrive; writes are chained so
    // stdout and stderr lines keep their relative order in the file.
    let chain: Promise<unknown> = Promise.resolve();
    const sink = (name: LogStream) => ({
      write: (chunk: Buffer | string) => {
        const text = toCriLogEntries(chunk.toString(), name);
        if (text) chain = chain.then(() => file.appendFile(text)).catch(() => undefined);
        return true;
      },
    });
    // demuxStream only ever calls write() on its targets.
    docker.modem.demuxStream(stream, sink('stdout') as unknown as NodeJS.WritableStream, sink('stderr') as unknown as NodeJS.WritableStream);
    await ended;
    await chain;
    await file.close();
  }
}
