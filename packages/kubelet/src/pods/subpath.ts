/**
 * Safe volumeMount subPaths (the defence Kubernetes added for
 * CVE-2017-1002101). A subPath names something inside a volume that
 * containers may write to (emptyDir, hostPath): a container can make any
 * component of it a symlink, e.g. `ln -s / /data/host`, and a bind mount
 * source given to the runtime as a path (`<volume>/host`) is resolved on the
 * host, following that symlink out of the volume.
 *
 * So a subPath is never handed to the runtime as a path inside the volume.
 * It is walked one component at a time from the volume root, each component
 * opened relative to the previous one's file descriptor without following
 * symlinks (Node has no openat: opening `/proc/self/fd/<dirfd>/<name>` with
 * O_NOFOLLOW resolves `<name>` in the directory that fd holds, wherever it
 * lives now); a symlink component, `..` or an absolute path is refused, and
 * missing directories are created the same way (mkdir in the opened parent,
 * never through a symlink). The last opened descriptor is then bind-mounted
 * (`mount --bind /proc/<kubelet pid>/fd/<n>`, which mounts what the
 * descriptor refers to, not a path looked up again) onto a kubelet-owned
 * mount point, `<pod dir>/volume-subpaths/<volume>/<container>/<index>`, and
 * that mount point is what the runtime binds into the container. Whatever a
 * container swaps in after the walk cannot redirect the mount.
 *
 * A kubelet that cannot mount (not root) refuses subPaths on volumes
 * containers can write to; volumes only the kubelet writes (configMap,
 * secret) are checked by the same walk and used by path.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rm, rmdir, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mountsUnder, unmountAll, unmountUnder } from '@mk8s/component-base';
import { errorMessage } from '@mk8s/api';

const exec = promisify(execFile);

/** Linux O_PATH: a descriptor that only names a file (no read access needed, devices and FIFOs are not opened). */
export const O_PATH = 0o10000000;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const LAST_FLAGS = O_PATH | constants.O_NOFOLLOW;

/** The folder of a pod's subPath mount points. */
export const SUBPATH_DIR = 'volume-subpaths';

/** A subPath cannot be used safely; the message says why (it becomes a CreateContainerConfigError). */
export class SubPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubPathError';
  }
}

/** The components of a subPath; refuses absolute paths and `..` anywhere. `.` and empty components are dropped. */
export function subPathComponents(subPath: string): string[] {
  if (subPath.startsWith('/')) throw new SubPathError('it must be a relative path');
  if (subPath.includes('\0')) throw new SubPathError('it may not contain a NUL byte');
  const parts = subPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new SubPathError("it may not contain '..'");
  return parts;
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function openDir(path: string): Promise<FileHandle> {
  return open(path, DIR_FLAGS);
}

/** Why opening `name` in the directory `parent` without following it failed, in words. */
async function refusal(parent: FileHandle, name: string, err: unknown): Promise<SubPathError> {
  const st = await lstat(`/proc/self/fd/${parent.fd}/${name}`).catch(() => undefined);
  if (st?.isSymbolicLink()) return new SubPathError(`${JSON.stringify(name)} is a symbolic link; subPaths are not resolved through symlinks`);
  if (st && !st.isDirectory()) return new SubPathError(`${JSON.stringify(name)} is not a directory`);
  return new SubPathError(`cannot open ${JSON.stringify(name)}: ${errorMessage(err)}`);
}

export interface OpenSubPathOptions {
  /** Create missing directories (with the volume root's mode), as the kubelet does for a subPath that does not exist yet. */
  create?: boolean;
}

/**
 * Opens `subPath` inside `volumeRoot` without following any symlink below
 * the root (the root itself is trusted and resolved once). Resolves to a
 * descriptor of what the subPath names (O_PATH, or a directory descriptor
 * when it was created); the caller closes it. Throws SubPathError when a
 * component is a symlink, a non-directory in the middle, `..`, or missing
 * (without `create`).
 */
export async function openSubPath(volumeRoot: string, subPath: string, opts: OpenSubPathOptions = {}): Promise<FileHandle> {
  const parts = subPathComponents(subPath);
  let dir = await openDir(await realpath(volumeRoot)).catch((err: unknown) => {
    throw new SubPathError(`the volume folder cannot be opened: ${errorMessage(err)}`);
  });
  try {
    // Created folders get the volume root's mode (umask aside), so every container of the pod can use them as it can the volume.
    const mode = (await dir.stat()).mode & 0o7777;
    if (parts.length === 0) return dir;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      const last = i === parts.length - 1;
      const at = `/proc/self/fd/${dir.fd}/${name}`;
      let next: FileHandle;
      try {
        next = await open(at, last ? LAST_FLAGS : DIR_FLAGS);
      } catch (err) {
        if (code(err) !== 'ENOENT') throw await refusal(dir, name, err);
        if (!opts.create) throw new SubPathError(`${JSON.stringify(parts.slice(0, i + 1).join('/'))} does not exist`);
        // mkdir never follows a symlink in the last component (EEXIST); one that appears right after is refused by the open.
        await mkdir(at, mode).catch((e: unknown) => {
          if (code(e) !== 'EEXIST') throw new SubPathError(`cannot create ${JSON.stringify(name)}: ${errorMessage(e)}`);
        });
        next = await open(at, DIR_FLAGS).catch(async (e: unknown) => {
          throw await refusal(dir, name, e);
        });
        await next.chmod(mode).catch(() => undefined);
      }
      await dir.close();
      dir = next;
      if (last && (await dir.stat()).isSymbolicLink())
        throw new SubPathError(`${JSON.stringify(name)} is a symbolic link; subPaths are not resolved through symlinks`);
    }
    return dir;
  } catch (err) {
    await dir.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Bind-mounts what `handle` refers to onto `target` (a kubelet-owned path):
 * the mount source is the descriptor's magic link, never looked up by name.
 * Replaces whatever was mounted there before.
 */
export async function bindHandle(handle: FileHandle, target: string): Promise<void> {
  const isDir = (await handle.stat()).isDirectory();
  await unmountAll(target);
  const st = await lstat(target).catch(() => undefined);
  if (st && st.isDirectory() !== isDir) {
    if (st.isDirectory()) await rmdir(target);
    else await rm(target);
  }
  if (isDir) await mkdir(target, { recursive: true });
  else {
    await mkdir(join(target, '..'), { recursive: true });
    await writeFile(target, '', { flag: 'a' });
  }
  await exec('mount', ['--no-canonicalize', '--bind', `/proc/${process.pid}/fd/${handle.fd}`, target]);
}

/** The mount point of one subPath: `<podDir>/volume-subpaths/<volume>/<container>/<index>`. */
export function subPathTarget(podDir: string, volume: string, container: string, index: number): string {
  for (const n of [volume, container]) {
    if (!/^[A-Za-z0-9._-]+$/.test(n) || n === '.' || n === '..') throw new SubPathError(`name ${JSON.stringify(n)} cannot name a mount point`);
  }
  return join(podDir, SUBPATH_DIR, volume, container, String(index));
}

/**
 * Unmounts everything the kubelet mounted under a pod's folder (subPath
 * mount points, Secret volumes' tmpfs) and removes the subPath folder.
 * Resolves true when nothing is mounted under the pod folder any more (only
 * then may it be removed recursively: a recursive delete would go through a
 * mount).
 */
export async function releasePodMounts(podDir: string): Promise<boolean> {
  if ((await unmountUnder(podDir)).length > 0) return false;
  await rm(join(podDir, SUBPATH_DIR), { recursive: true, force: true });
  return true;
}

/** Pod uids under `<rootDir>/pods` that have mount points (or a subPath folder) left. */
export async function podsWithMounts(rootDir: string): Promise<string[]> {
  const pods = join(rootDir, 'pods');
  const uids = await readdir(pods).catch(() => [] as string[]);
  const mounted = await mountsUnder(pods);
  const out: string[] = [];
  for (const uid of uids) {
    const dir = join(pods, uid);
    if (
      mounted.some((m) => m.startsWith(`${dir}/`)) ||
      (await lstat(join(dir, SUBPATH_DIR)).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      out.push(uid);
  }
  return out;
}
