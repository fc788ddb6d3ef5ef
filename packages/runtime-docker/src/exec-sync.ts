/**
 * ExecSync over `docker exec`: runs a command in a running container and
 * returns its stdout, stderr and exit code.
 *
 * Contract: output beyond 16 MiB per stream is discarded (as CRI asks). With
 * a timeout (seconds > 0) the call fails with DeadlineExceededError when the
 * command has not finished in time; Docker has no API to kill an exec'd
 * process, so the process itself may run on inside the container.
 */
import type Dockerode from 'dockerode';
import type { ExecSyncResponse } from '@mk8s/cri';
import { DeadlineExceededError } from '@mk8s/cri';

export const EXEC_OUTPUT_CAP = 16 * 1024 * 1024;

class CappedBuffer {
  private parts: Buffer[] = [];
  private size = 0;
  write(chunk: Buffer | string): boolean {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = EXEC_OUTPUT_CAP - this.size;
    if (room > 0) {
      const part = buf.length > room ? buf.subarray(0, room) : buf;
      this.parts.push(part);
      this.size += part.length;
    }
    return true;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function execSync(docker: Dockerode, containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new CappedBuffer();
  const stderr = new CappedBuffer();
  // demuxStream only ever calls write() on its targets.
  docker.modem.demuxStream(stream, stdout as unknown as NodeJS.WritableStream, stderr as unknown as NodeJS.WritableStream);

  const finished = new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', reject);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    if (timeoutSeconds > 0) {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceededError(`command ${JSON.stringify(cmd)} timed out after ${timeoutSeconds}s`)), timeoutSeconds * 1000);
      });
      await Promise.race([finished, deadline]);
    } else {
      await finished;
    }
  } catch (err) {
    (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
  }

  // The exit code can trail the end of the output stream by a moment.
  let info = await exec.inspect();
  for (let i = 0; i < 50 && (info.Running || info.ExitCode === null); i++) {
    await sleep(20);
    info = await exec.inspect();
  }
  return { stdout: stdout.toBuffer(), stderr: stderr.toBuffer(), exitCode: info.ExitCode ?? 0 };
}
