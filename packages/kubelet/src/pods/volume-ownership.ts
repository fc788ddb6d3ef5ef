/**
 * Volume ownership for a pod's fsGroup (Kubernetes' SetVolumeOwnership) and
 * the modes Kubernetes gives emptyDir folders, so that containers running as
 * a non-root user can use their volumes.
 *
 * - emptyDir: the folder is world-writable (0777) as in Kubernetes; with an
 *   fsGroup it belongs to that group and is setgid (02777 root:fsGroup), so
 *   whatever the pod creates in it inherits the group. Only the folder
 *   itself is changed, never its content: containers write there, and
 *   walking what they wrote (symlinks, swapped folders) could make the
 *   kubelet change files outside the volume.
 * - secret and configMap: written by the kubelet only and mounted read-only,
 *   so the whole tree is walked (again after every rewrite): group fsGroup,
 *   g+r (g+rx and setgid for folders). fsGroupChangePolicy OnRootMismatch
 *   skips the walk when the top folder already has the group and mode.
 * - hostPath and anything else: untouched, as in Kubernetes.
 *
 * Changes go through file descriptors opened with O_NOFOLLOW, so a symlink
 * is never followed.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '@mk8s/api';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;
const EMPTY_DIR_MODE = 0o777;

type Obj = Record<string, unknown>;

/** Changes group and/or adds mode bits of one path, never following a symlink there. */
async function fix(path: string, gid: number | undefined, addMode: (isDir: boolean) => number): Promise<void> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  if (!st.isFile() && !st.isDirectory()) return; // no FIFOs, sockets or devices
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const cur = await fh.stat();
    if (cur.ino !== st.ino || cur.dev !== st.dev) return; // replaced meanwhile
    if (gid !== undefined && cur.gid !== gid) await fh.chown(-1, gid);
    const mode = (cur.mode & 0o7777) | addMode(cur.isDirectory());
    // chown clears setuid/setgid on files: set the mode after it, always.
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}

async function walk(path: string, visit: (p: string) => Promise<void>): Promise<void> {
  await visit(path);
  const st = await lstat(path);
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await walk(join(path, name), visit);
}

function maskFor(readOnly: boolean): (isDir: boolean) => number {
  return (isDir) => (readOnly ? RO_MASK : RW_MASK) | (isDir ? EXEC_MASK | SETGID : 0);
}

/** Whether the top folder already has the group and the bits a walk would give it (OnRootMismatch). */
async function rootMatches(dir: string, gid: number, readOnly: boolean): Promise<boolean> {
  const st = await lstat(dir);
  const want = maskFor(readOnly)(true);
  return st.gid === gid && (st.mode & want) === want;
}

/**
 * Applies emptyDir modes and the pod's fsGroup to its prepared volumes
 * (`volumes`: volume name -> host folder, from prepareVolumes). Idempotent;
 * call after every prepareVolumes, before creating a container.
 */
export async function applyVolumeOwnership(pod: Pod, volumes: ReadonlyMap<string, { hostPath: string }>): Promise<void> {
  const psc = pod.spec?.securityContext;
  const fsGroup = typeof psc?.fsGroup === 'number' ? psc.fsGroup : undefined;
  const onRootMismatch = psc?.fsGroupChangePolicy === 'OnRootMismatch';
  for (const v of (pod.spec?.volumes ?? []) as Obj[]) {
    const name = String(v['name']);
    const dir = volumes.get(name)?.hostPath;
    if (!dir) continue;
    if (v['emptyDir']) {
      await fix(dir, fsGroup, () => EMPTY_DIR_MODE | (fsGroup !== undefined ? SETGID : 0));
    } else if ((v['secret'] || v['configMap']) && fsGroup !== undefined) {
      if (onRootMismatch && (await rootMatches(dir, fsGroup, true))) continue;
      await walk(dir, (p) => fix(p, fsGroup, maskFor(true)));
    }
  }
}
