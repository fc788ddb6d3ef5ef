import { spawn, type ChildProcess } from 'node:child_process';
import { CONTAINERD_K8S_NAMESPACE } from './config.js';

/**
 * `docker save IMAGES | ctr images import -` into the instance's k8s.io
 * namespace: the only way images reach it, since nothing is ever pulled.
 */
export async function importImages(socket: string, images: string[]): Promise<void> {
  const save = spawn('docker', ['save', ...images], { stdio: ['ignore', 'pipe', 'pipe'] });
  const load = spawn('ctr', ['--address', socket, '-n', CONTAINERD_K8S_NAMESPACE, 'images', 'import', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let errors = '';
  save.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  load.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  load.stdout.resume();
  save.stdout.pipe(load.stdin);
  const done = (p: ChildProcess): Promise<number | string> =>
    new Promise((resolve) => {
      p.once('error', (err) => resolve(err.message));
      p.once('close', (code, signal) => resolve(code ?? signal ?? -1));
    });
  const [saved, loaded] = await Promise.all([done(save), done(load)]);
  if (saved !== 0 || loaded !== 0) {
    throw new Error(`importing ${images.join(', ')} into containerd failed (docker save: ${saved}, ctr import: ${loaded}): ${errors.trim()}`);
  }
}
