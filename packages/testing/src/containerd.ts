/**
 * A private containerd instance serving the real CRI v1, for e2e tests that
 * check our CRI client against a runtime we did not write; a child of the
 * test process, built from @mk8s/runtime-containerd's pieces.
 *
 * The instance has its own root, state, sockets, config and CNI network under
 * one folder (a fresh temporary one by default), so it never touches the
 * system containerd (/run/containerd) or the one dockerd runs. Images come
 * from the local Docker engine (`docker save | ctr images import -`): nothing
 * is ever pulled. `stop()` kills whatever tasks are left, ends containerd by
 * PID (SIGTERM, then SIGKILL), unmounts what it left mounted under its folder
 * and removes the folder and its bridge.
 *
 * Verified with Debian 12's containerd 1.6 (installed with docker.io) and
 * Debian's containernetworking-plugins (/usr/lib/cni).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CONTAINERD_K8S_NAMESPACE,
  containerdAnswers,
  importImages,
  releaseContainerdDir,
  sweepContainerd,
  writeContainerdFiles,
} from '@mk8s/runtime-containerd';

export { CONTAINERD_K8S_NAMESPACE } from '@mk8s/runtime-containerd';

const exec = promisify(execFile);

export interface ContainerdOptions {
  /** Folder for root, state, sockets, config and logs; default: a new temporary folder (removed by stop). */
  dir?: string;
  /** Local Docker images to import (default: the pause image and busybox:latest). */
  images?: string[];
  /** The sandbox (pause) image, as Docker names it; default mk8s/pause:latest. Always imported. */
  pauseImage?: string;
  /** Pod network of the instance's bridge; default 10.88.77.0/24 (Docker's bridge is 172.17.0.0/16). */
  subnet?: string;
  /** Name of the Linux bridge (at most 15 characters); default mk8s-ctrd0. */
  bridge?: string;
  /** Where the CNI plugin binaries are; default /usr/lib/cni (Debian's containernetworking-plugins). */
  cniBinDir?: string;
  /** How long to wait for containerd's socket; default 20 s. */
  timeoutMs?: number;
}

export interface ContainerdInstance {
  /** The instance's gRPC socket: CRI v1 and containerd's own API. */
  socket: string;
  dir: string;
  pid: number;
  /** Runs `ctr --address <socket> -n k8s.io ARGS...` and returns its stdout. */
  ctr(args: string[]): Promise<string>;
  /** containerd's log so far (also in `<dir>/containerd.log`). */
  output(): string;
  /** Removes leftover tasks, stops containerd by PID and removes its state. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startContainerd(options: ContainerdOptions = {}): Promise<ContainerdInstance> {
  const ownDir = options.dir === undefined;
  // Short path: unix socket paths are limited to ~107 bytes.
  const dir = path.resolve(options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'mk8s-ctrd-'))));
  const bridge = options.bridge ?? 'mk8s-ctrd0';
  const pauseImage = options.pauseImage ?? 'mk8s/pause:latest';
  const images = [...new Set([pauseImage, ...(options.images ?? ['busybox:latest'])])];

  const { config, socket } = await writeContainerdFiles({
    dir,
    pauseImage,
    bridge,
    subnet: options.subnet ?? '10.88.77.0/24',
    cniBinDir: options.cniBinDir,
  });

  const child = spawn('containerd', ['--config', config, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let log = '';
  const logFile = path.join(dir, 'containerd.log');
  const onData = (chunk: Buffer): void => {
    log += chunk.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => {
      log += `${err.message}\n`;
      running.delete(child);
      resolve(err.message);
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null && child.pid !== undefined;

  const ctr = async (args: string[]): Promise<string> =>
    (await exec('ctr', ['--address', socket, '-n', CONTAINERD_K8S_NAMESPACE, ...args], { maxBuffer: 16 << 20 })).stdout;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (alive()) {
        await sweepContainerd(socket);
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      await writeFile(logFile, log).catch(() => undefined);
      await releaseContainerdDir(dir, bridge);
      if (ownDir) await rm(dir, { recursive: true, force: true });
      else await rm(socket, { force: true });
    })());

  try {
    const until = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      if (!alive()) throw new Error(`containerd exited (${String(await exited)}):\n${log}`);
      if (await containerdAnswers(socket)) break;
      if (Date.now() > until) throw new Error(`containerd did not serve ${socket} within ${options.timeoutMs ?? 20_000} ms:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await importImages(socket, images);
  } catch (err) {
    await stop();
    throw err;
  }

  return { socket, dir, pid: child.pid ?? -1, ctr, output: () => log, stop };
}
