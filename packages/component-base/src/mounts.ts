/**
 * Mount points the node components make and must release: the kubelet's
 * subPath bind mounts and memory-backed (tmpfs) Secret volumes, containerd's
 * rootfs and network namespace mounts, and `mk8s down`'s sweep of what a
 * stopped node leaves. One reader of /proc/self/mountinfo, one unmount loop.
 *
 * Why unmount before deleting: a recursive delete walks through a mount
 * point into whatever is mounted there (a subPath of a hostPath volume is the
 * host's own folder), so a folder is only removed once nothing is mounted
 * under it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** mountinfo escapes space, tab, newline and backslash as `\ooo`. */
const decode = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points at or under `dir` (from /proc/self/mountinfo), deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return info
    .split('\n')
    .map((line) => decode(line.split(' ')[4] ?? ''))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Whether something is mounted at exactly `path`. */
export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountsUnder(path)).includes(path);
}

/** Unmounts everything mounted at `path` (stacked mounts too); a busy mount is detached lazily. Throws when one stays. */
export async function unmountAll(path: string): Promise<void> {
  for (let i = 0; i < 16 && (await isMountPoint(path)); i++) {
    try {
      await exec('umount', ['--no-canonicalize', path]);
    } catch {
      await exec('umount', ['--no-canonicalize', '--lazy', path]).catch(() => undefined);
    }
  }
  if (await isMountPoint(path)) throw new Error(`cannot unmount ${path}`);
}

/**
 * Unmounts every mount point at or under `dir`, deepest first. Resolves the
 * mount points that could not be released (empty when `dir` may now be
 * deleted recursively).
 */
export async function unmountUnder(dir: string): Promise<string[]> {
  for (const m of await mountsUnder(dir)) await unmountAll(m).catch(() => undefined);
  return mountsUnder(dir);
}

/** Whether this process may mount (it runs as root). */
export function canMount(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Mounts a fresh tmpfs at `dir` (which must exist) unless one is mounted
 * there already: its contents live in memory and never reach the disk.
 * nosuid and nodev, as Kubernetes' memory-backed volumes; `mode` is the
 * root folder's permission bits.
 */
export async function ensureTmpfs(dir: string, mode: number): Promise<void> {
  if (await isMountPoint(dir)) return;
  await exec('mount', ['--no-canonicalize', '-t', 'tmpfs', '-o', `nosuid,nodev,mode=${mode.toString(8).padStart(4, '0')}`, 'tmpfs', dir]);
}
