/**
 * A private containerd instance serving the real CRI v1, for e2e tests that
 * check our CRI client against a runtime we did not write.
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
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The CRI plugin's containerd namespace: images must be imported there. */
export const CONTAINERD_K8S_NAMESPACE = 'k8s.io';

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

/** Whether a containerd executable is on PATH. */
export function containerdInstalled(): boolean {
  return spawnSync('containerd', ['--version'], { stdio: 'ignore' }).status === 0;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

function configToml(dir: string, pauseImage: string, cniBinDir: string): string {
  const q = JSON.stringify; // TOML basic strings accept JSON string escapes
  return [
    'version = 2',
    `root = ${q(path.join(dir, 'root'))}`,
    `state = ${q(path.join(dir, 'state'))}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]',
    '',
    '[grpc]',
    `  address = ${q(path.join(dir, 'containerd.sock'))}`,
    '[ttrpc]',
    `  address = ${q(path.join(dir, 'containerd.sock.ttrpc'))}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(path.join(dir, 'opt'))}`,
    '',
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${q(pauseImage)}`,
    // Root in this kind of machine lacks CAP_SYS_RESOURCE: never lower a score below ours.
    '  restrict_oom_score_adj = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = ${q(cniBinDir)}`,
    `    conf_dir = ${q(path.join(dir, 'cni'))}`,
    '    max_conf_num = 1',
    '',
  ].join('\n');
}

function cniConflist(dir: string, bridge: string, subnet: string): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'mk8s-containerd',
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: path.join(dir, 'ipam'),
          },
        },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  )}\n`;
}

/** `docker save IMAGES | ctr images import -` into the instance's k8s.io namespace. */
async function importImages(socket: string, images: string[]): Promise<void> {
  const save = spawn('docker', ['save', ...images], { stdio: ['ignore', 'pipe', 'pipe'] });
  const load = spawn('ctr', ['--address', socket, '-n', CONTAINERD_K8S_NAMESPACE, 'images', 'import', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
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

/** Mount points at or under `dir`, deepest first. */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const decode = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return info
    .split('\n')
    .map((line) => decode(line.split(' ')[4] ?? ''))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** The pinned network namespace paths in `ctr containers info` output (the sandbox's spec). */
function networkNamespaces(info: string): string[] {
  try {
    const parsed = JSON.parse(info) as { Spec?: { linux?: { namespaces?: { type?: string; path?: string }[] } } };
    return (parsed.Spec?.linux?.namespaces ?? [])
      .filter((n) => n.type === 'network' && typeof n.path === 'string' && /^\/(var\/)?run\/netns\//.test(n.path))
      .map((n) => n.path as string);
  } catch {
    return [];
  }
}

export async function startContainerd(options: ContainerdOptions = {}): Promise<ContainerdInstance> {
  const cniBinDir = options.cniBinDir ?? '/usr/lib/cni';
  if (['bridge', 'host-local', 'loopback'].some((p) => !existsSync(path.join(cniBinDir, p)))) {
    throw new Error(
      `CNI plugins are missing in ${cniBinDir}: install them (Debian: apt-get install containernetworking-plugins; scripts/test.sh does)`,
    );
  }
  const ownDir = options.dir === undefined;
  // Short path: unix socket paths are limited to ~107 bytes.
  const dir = path.resolve(options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'mk8s-ctrd-'))));
  const socket = path.join(dir, 'containerd.sock');
  const bridge = options.bridge ?? 'mk8s-ctrd0';
  const pauseImage = options.pauseImage ?? 'mk8s/pause:latest';
  const images = [...new Set([pauseImage, ...(options.images ?? ['busybox:latest'])])];

  await mkdir(path.join(dir, 'cni'), { recursive: true });
  await rm(socket, { force: true });
  await writeFile(path.join(dir, 'config.toml'), configToml(dir, pauseImage, cniBinDir));
  await writeFile(path.join(dir, 'cni', '10-mk8s.conflist'), cniConflist(dir, bridge, options.subnet ?? '10.88.77.0/24'));

  const child = spawn('containerd', ['--config', path.join(dir, 'config.toml'), '--log-level', 'warn'], {
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

  /** Kills and deletes the tasks and containers left in any of the instance's namespaces. */
  const sweep = async (): Promise<void> => {
    const lines = (out: string): string[] => out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const quiet = (p: Promise<unknown>): Promise<unknown> => p.catch(() => undefined);
    const netns: string[] = [];
    const namespaces = lines(await exec('ctr', ['--address', socket, 'namespaces', 'ls', '-q']).then((r) => r.stdout, () => ''));
    for (const ns of namespaces) {
      const c = (args: string[]): Promise<{ stdout: string }> => exec('ctr', ['--address', socket, '-n', ns, ...args]);
      for (const id of lines(await c(['tasks', 'ls', '-q']).then((r) => r.stdout, () => ''))) {
        await quiet(c(['tasks', 'kill', '-a', '-s', 'SIGKILL', id]));
        await quiet(c(['tasks', 'delete', '-f', id]));
      }
      for (const id of lines(await c(['containers', 'ls', '-q']).then((r) => r.stdout, () => ''))) {
        netns.push(...networkNamespaces(await c(['containers', 'info', id]).then((r) => r.stdout, () => '')));
        await quiet(c(['containers', 'delete', id]));
      }
    }
    // Pod network namespaces the CRI plugin pinned (/var/run/netns/cni-...) and
    // never tore down: removing them also removes their veth ends.
    for (const ns of new Set(netns)) {
      await quiet(exec('umount', [ns]));
      await rm(ns, { force: true }).catch(() => undefined);
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (alive()) {
        await sweep();
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      await writeFile(logFile, log).catch(() => undefined);
      for (const mount of await mountsUnder(dir)) {
        await exec('umount', ['-l', mount]).catch(() => undefined);
      }
      await exec('ip', ['link', 'delete', bridge]).catch(() => undefined);
      if (ownDir) await rm(dir, { recursive: true, force: true });
      else await rm(socket, { force: true });
    })());

  try {
    const until = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      if (!alive()) throw new Error(`containerd exited (${String(await exited)}):\n${log}`);
      if (existsSync(socket) && (await ctr(['version']).then(() => true, () => false))) break;
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
