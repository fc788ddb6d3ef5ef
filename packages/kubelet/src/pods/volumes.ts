/**
 * Pod volumes on the node (Kubernetes' volume manager, the part mk8s needs):
 * each volume of a pod becomes a host folder under
 * `<rootDir>/pods/<uid>/volumes/<kind>/<name>`, bound into containers by
 * their volumeMounts. emptyDir is an empty folder that lives as long as the
 * pod; hostPath is the host's own path; configMap and secret volumes are
 * folders of files, one per key (or per `items` entry), rewritten on every
 * sync so changes reach the pod. A Secret volume's folder is a tmpfs (when
 * the kubelet may mount, i.e. runs as root), as in Kubernetes: secret data
 * never reaches the node's disk, and the folder is released when the pod's
 * folder is (pod-lifecycle.ts unmounts everything under it). Anything else
 * is a CreateContainerConfigError naming the unsupported volume type. A volumeMount's subPath is opened
 * without following symlinks and bind-mounted onto a kubelet-owned mount
 * point that the runtime gets instead (subpath.ts).
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { errorMessage, type Container, type Pod } from '@mk8s/api';
import type { Clientset } from '@mk8s/client';
import { isNotFound } from '@mk8s/client';
import { canMount, ensureTmpfs } from '@mk8s/component-base';
import type { Mount } from '@mk8s/cri';
import { ContainerConfigError } from './env.js';
import { SubPathError, bindHandle, openSubPath, subPathComponents, subPathTarget } from './subpath.js';

type Obj = Record<string, unknown>;

export interface PreparedVolume {
  hostPath: string;
  /** configMap and secret volumes are mounted read-only, as Kubernetes does. */
  readOnly: boolean;
}

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** A relative path inside a volume: no absolute paths, no `..` escaping the folder. */
function safeRelative(p: string, what: string): string {
  const n = normalize(p);
  if (n.startsWith(sep) || n === '..' || n.startsWith(`..${sep}`))
    throw new ContainerConfigError(`${what}: path ${JSON.stringify(p)} must be relative and may not contain '..'`);
  return n;
}

async function writeKeys(
  dir: string,
  data: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  what: string,
  optional: boolean,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries: Array<{ path: string; content: Buffer; mode: number }> = [];
  if (items && items.length > 0) {
    for (const it of items) {
      const content = data.get(it.key);
      if (content === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`${what}: key "${it.key}" not found`);
      }
      entries.push({ path: safeRelative(it.path, what), content, mode: it.mode ?? defaultMode });
    }
  } else {
    for (const [key, content] of data) entries.push({ path: safeRelative(key, what), content, mode: defaultMode });
  }
  for (const e of entries) {
    const file = join(dir, e.path);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, e.content, { mode: e.mode });
  }
}

export interface PrepareVolumesOptions {
  /** Secret volumes on a tmpfs (default: when the kubelet may mount, i.e. runs as root). */
  memoryBackedSecrets?: boolean;
}

/** The mode of a Secret volume's tmpfs root: containers of any user may list it; the files carry the volume's modes. */
const SECRET_TMPFS_MODE = 0o755;

/** Makes every volume of the pod exist on the host; idempotent, safe to call on every sync. */
export async function prepareVolumes(
  client: Clientset | undefined,
  pod: Pod,
  rootDir: string,
  opts: PrepareVolumesOptions = {},
): Promise<Map<string, PreparedVolume>> {
  const uid = pod.metadata?.uid ?? '';
  const namespace = pod.metadata?.namespace ?? 'default';
  const base = join(rootDir, 'pods', uid, 'volumes');
  const out = new Map<string, PreparedVolume>();
  for (const v of (pod.spec?.volumes ?? []) as Obj[]) {
    const name = String(v['name']);
    if (v['emptyDir']) {
      const dir = join(base, 'empty-dir', name);
      await mkdir(dir, { recursive: true });
      out.set(name, { hostPath: dir, readOnly: false });
    } else if (v['hostPath']) {
      const hp = v['hostPath'] as { path: string; type?: string };
      const type = hp.type ?? '';
      if (type === 'DirectoryOrCreate') await mkdir(hp.path, { recursive: true });
      else if (type === 'Directory' || type === 'File') {
        const st = await stat(hp.path).catch(() => undefined);
        const ok = st && (type === 'Directory' ? st.isDirectory() : st.isFile());
        if (!ok) throw new ContainerConfigError(`hostPath volume "${name}": ${hp.path} is not an existing ${type === 'Directory' ? 'directory' : 'file'}`);
      }
      out.set(name, { hostPath: hp.path, readOnly: false });
    } else if (v['configMap'] || v['secret']) {
      const isSecret = !!v['secret'];
      const src = (v['configMap'] ?? v['secret']) as { name?: string; secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
      const objName = (isSecret ? src.secretName : src.name) ?? '';
      const what = `${isSecret ? 'secret' : 'configmap'} volume "${name}" (${objName})`;
      const data = new Map<string, Buffer>();
      try {
        if (!client) throw new ContainerConfigError(`${what}: no API client to read it`);
        if (isSecret) {
          const s = await client.secrets.inNamespace(namespace).get(objName);
          for (const [k, val] of Object.entries(s.data ?? {})) data.set(k, Buffer.from(val, 'base64'));
        } else {
          const cm = await client.configMaps.inNamespace(namespace).get(objName);
          for (const [k, val] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(val, 'utf8'));
          for (const [k, val] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(val, 'base64'));
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (!src.optional) throw new ContainerConfigError(`${what}: ${isSecret ? 'secret' : 'configmap'} "${objName}" not found`);
      }
      const dir = join(base, isSecret ? 'secret' : 'configmap', name);
      if (isSecret && (opts.memoryBackedSecrets ?? canMount())) {
        await mkdir(dir, { recursive: true });
        await ensureTmpfs(dir, SECRET_TMPFS_MODE).catch((err: unknown) => {
          throw new ContainerConfigError(`${what}: cannot mount its tmpfs: ${errorMessage(err)}`);
        });
      }
      await writeKeys(dir, data, src.items, src.defaultMode ?? 0o644, what, src.optional === true);
      out.set(name, { hostPath: dir, readOnly: true });
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      throw new ContainerConfigError(`volume "${name}": type ${kind} is not supported on this node (emptyDir, hostPath, configMap and secret are)`);
    }
  }
  return out;
}

/** Where a container's subPath mount points live, and how they are made. */
export interface MountContext {
  /** The pod's folder, `<rootDir>/pods/<uid>`: subPath mount points go under its `volume-subpaths`. */
  podDir: string;
  /** Bind-mount subPaths from an opened descriptor (default: when the kubelet runs as root). */
  bindMounts?: boolean;
}

/**
 * The CRI mounts of one container from its volumeMounts. A subPath is never
 * given to the runtime as a path inside the volume (a container could have
 * made it a symlink out of it): see subpath.ts.
 */
export async function containerMounts(c: Container, volumes: ReadonlyMap<string, PreparedVolume>, ctx: MountContext): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const [index, m] of (c.volumeMounts ?? []).entries()) {
    const v = volumes.get(m.name);
    if (!v) throw new ContainerConfigError(`container "${c.name}": volumeMount "${m.name}" names no volume of the pod`);
    const hostPath = m.subPath ? await subPathSource(c.name, m.name, m.subPath, index, v, ctx) : v.hostPath;
    mounts.push({ containerPath: m.mountPath, hostPath, readonly: m.readOnly === true || v.readOnly });
  }
  return mounts;
}

/** The host path the runtime binds for a subPath: a kubelet-owned mount point of the opened subPath. */
async function subPathSource(container: string, volume: string, subPath: string, index: number, v: PreparedVolume, ctx: MountContext): Promise<string> {
  try {
    const parts = subPathComponents(subPath);
    if (!(ctx.bindMounts ?? canMount())) {
      // Only the kubelet writes read-only volumes (configMap, secret): what the walk checked stays as it was.
      if (!v.readOnly) {
        throw new SubPathError(
          `containers can write to volume "${volume}" and this kubelet cannot bind-mount (it does not run as root), so the subPath cannot be opened safely`,
        );
      }
      await (await openSubPath(v.hostPath, subPath, { create: true })).close();
      return join(v.hostPath, ...parts);
    }
    const target = subPathTarget(ctx.podDir, volume, container, index);
    const handle = await openSubPath(v.hostPath, subPath, { create: true });
    try {
      await bindHandle(handle, target);
    } finally {
      await handle.close();
    }
    return target;
  } catch (err) {
    const reason = err instanceof SubPathError ? err.message : `mounting it failed: ${errorMessage(err)}`;
    throw new ContainerConfigError(`subPath ${JSON.stringify(subPath)} of volumeMount "${volume}" in container "${container}" refused: ${reason}`);
  }
}
