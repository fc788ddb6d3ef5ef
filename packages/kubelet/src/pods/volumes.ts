/**
 * Pod volumes on the node (Kubernetes' volume manager, the part mk8s needs):
 * each volume of a pod becomes a host folder under
 * `<rootDir>/pods/<uid>/volumes/<kind>/<name>`, bound into containers by
 * their volumeMounts. emptyDir is an empty folder that lives as long as the
 * pod; hostPath is the host's own path; configMap and secret volumes are
 * folders of files, one per key (or per `items` entry), rewritten on every
 * sync so changes reach the pod. Anything else is a CreateContainerConfigError
 * naming the unsupported volume type.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import type { Container, Pod } from '@mk8s/api';
import type { Clientset } from '@mk8s/client';
import { isNotFound } from '@mk8s/client';
import type { Mount } from '@mk8s/cri';
import { ContainerConfigError } from './env.js';

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
  if (n.startsWith(sep) || n === '..' || n.startsWith(`..${sep}`)) throw new ContainerConfigError(`${what}: path ${JSON.stringify(p)} must be relative and may not contain '..'`);
  return n;
}

async function writeKeys(dir: string, data: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number, what: string, optional: boolean): Promise<void> {
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

/** Makes every volume of the pod exist on the host; idempotent, safe to call on every sync. */
export async function prepareVolumes(client: Clientset | undefined, pod: Pod, rootDir: string): Promise<Map<string, PreparedVolume>> {
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
      await writeKeys(dir, data, src.items, src.defaultMode ?? 0o644, what, src.optional === true);
      out.set(name, { hostPath: dir, readOnly: true });
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      throw new ContainerConfigError(`volume "${name}": type ${kind} is not supported on this node (emptyDir, hostPath, configMap and secret are)`);
    }
  }
  return out;
}

/** The CRI mounts of one container from its volumeMounts. */
export function containerMounts(c: Container, volumes: ReadonlyMap<string, PreparedVolume>): Mount[] {
  const mounts: Mount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    if (!v) throw new ContainerConfigError(`container "${c.name}": volumeMount "${m.name}" names no volume of the pod`);
    const hostPath = m.subPath ? join(v.hostPath, safeRelative(m.subPath, `volumeMount "${m.name}" subPath`)) : v.hostPath;
    mounts.push({ containerPath: m.mountPath, hostPath, readonly: m.readOnly === true || v.readOnly });
  }
  return mounts;
}
