/**
 * The files a private containerd instance runs from: its config.toml (own
 * root, state, sockets; the CRI plugin with our pause image and our CNI
 * folder) and one CNI bridge network. Nothing here touches the system
 * containerd (/run/containerd) or the one dockerd runs.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

/** The CRI plugin's containerd namespace: images must be imported there. */
export const CONTAINERD_K8S_NAMESPACE = 'k8s.io';

export interface ContainerdLayout {
  /** Folder for root, state, sockets, config, CNI config and IPAM data. Keep it short: unix socket paths are limited to ~107 bytes. */
  dir: string;
  /** The sandbox (pause) image, as Docker names it; default mk8s/pause:latest. */
  pauseImage?: string;
  /** Pod network of the instance's bridge, e.g. 10.88.77.0/24 (Docker's bridge is 172.17.0.0/16). */
  subnet: string;
  /** Name of the Linux bridge (at most 15 characters). */
  bridge: string;
  /** Where the CNI plugin binaries are; default /usr/lib/cni (Debian's containernetworking-plugins). */
  cniBinDir?: string;
}

export interface ContainerdFiles {
  config: string;
  /** The instance's gRPC socket: CRI v1 and containerd's own API. */
  socket: string;
}

/** Whether a containerd executable is on PATH. */
export function containerdInstalled(): boolean {
  return spawnSync('containerd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Throws a message saying how to install them when the CNI plugins the network needs are missing. */
export function checkCniPlugins(cniBinDir = '/usr/lib/cni'): void {
  if (['bridge', 'host-local', 'loopback'].some((p) => !existsSync(path.join(cniBinDir, p)))) {
    throw new Error(`CNI plugins are missing in ${cniBinDir}: install them (Debian: apt-get install containernetworking-plugins; scripts/test.sh does)`);
  }
}

export function containerdConfigToml(dir: string, pauseImage: string, cniBinDir: string): string {
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

export function cniConflist(dir: string, bridge: string, subnet: string): string {
  const network = {
    cniVersion: '1.0.0',
    name: 'mk8s-containerd',
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(dir, 'ipam') },
      },
      { type: 'loopback' },
    ],
  };
  return `${JSON.stringify(network, null, 2)}\n`;
}

/** Writes config.toml and the CNI network into `layout.dir`; removes a stale socket. Idempotent. */
export async function writeContainerdFiles(layout: ContainerdLayout): Promise<ContainerdFiles> {
  const cniBinDir = layout.cniBinDir ?? '/usr/lib/cni';
  checkCniPlugins(cniBinDir);
  if (layout.bridge.length > 15) throw new Error(`bridge name "${layout.bridge}" is longer than 15 characters`);
  const dir = path.resolve(layout.dir);
  const socket = path.join(dir, 'containerd.sock');
  const config = path.join(dir, 'config.toml');
  await mkdir(path.join(dir, 'cni'), { recursive: true });
  await rm(socket, { force: true });
  await writeFile(config, containerdConfigToml(dir, layout.pauseImage ?? 'mk8s/pause:latest', cniBinDir));
  await writeFile(path.join(dir, 'cni', '10-mk8s.conflist'), cniConflist(dir, layout.bridge, layout.subnet));
  return { config, socket };
}
