import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Whether the containerd instance at `socket` answers its API (`ctr version`): the sign it is ready. */
export async function containerdAnswers(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  return exec('ctr', ['--address', socket, 'version'], { timeout: 5000 }).then(
    () => true,
    () => false,
  );
}
