import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where the launcher keeps a cluster's state: data, logs and pid files. */
export interface StatePaths {
  home: string;
  data: string;
  logs: string;
  run: string;
}

/** MK8S_HOME, else `.mk8s` in the current directory (the repo root for scripts/). */
export function statePaths(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StatePaths {
  const home = path.resolve(cwd, env['MK8S_HOME'] ?? '.mk8s');
  return { home, data: path.join(home, 'data'), logs: path.join(home, 'logs'), run: path.join(home, 'run') };
}

/** What `mk8s up` started, kept in `<home>/cluster.json` so a later `up` repairs the same cluster. */
export interface ClusterShape {
  apiPort: number;
  /** How many nodes run (the length of `nodeNames`). */
  nodes: number;
  runtime: 'docker' | 'containerd';
  /** The nodes' names; absent in files of older launchers: node-1..node-<nodes>. */
  nodeNames?: string[];
  /** Started with `--secure` (HTTPS, certificates, RBAC); absent in files of older launchers: false. */
  secure?: boolean;
}

/** The node names of a shape (node-1..node-N when it predates `nodeNames`). */
export function nodeNamesOf(shape: ClusterShape): string[] {
  return shape.nodeNames ?? Array.from({ length: shape.nodes }, (_, i) => `node-${i + 1}`);
}

/** The local cloud's inventory (`--cloud-config` of cloud-controller-manager). */
export function cloudConfigPath(home: string): string {
  return path.join(home, 'cloud', 'instances.json');
}

export async function writeShape(home: string, shape: ClusterShape): Promise<void> {
  await writeFile(path.join(home, 'cluster.json'), `${JSON.stringify(shape, null, 2)}\n`);
}

/** The saved shape, or undefined when there is none (or it is unreadable). */
export async function readShape(home: string): Promise<ClusterShape | undefined> {
  try {
    const shape = JSON.parse(await readFile(path.join(home, 'cluster.json'), 'utf8')) as Partial<ClusterShape>;
    if (typeof shape.apiPort !== 'number' || typeof shape.nodes !== 'number' || (shape.runtime !== 'docker' && shape.runtime !== 'containerd'))
      return undefined;
    if (shape.nodeNames !== undefined && !(Array.isArray(shape.nodeNames) && shape.nodeNames.every((n) => typeof n === 'string' && /^node-\d+$/.test(n))))
      return undefined;
    return shape as ClusterShape;
  } catch {
    return undefined;
  }
}

/**
 * The security mode `mk8s up` starts in. A cluster whose data exists keeps
 * the mode it was created with, running or not: a plain `up` restarts a
 * `--secure` cluster secure (serving its Secrets anonymously would be a
 * silent downgrade), and asking for another mode than the data's is refused
 * until `mk8s down --purge` removes the data. Returns the mode, or the reason
 * to refuse.
 */
export function clusterMode(saved: ClusterShape | undefined, dataExists: boolean, requested: boolean | undefined): { secure: boolean } | { refuse: string } {
  if (!saved || !dataExists) return { secure: requested === true };
  const secure = saved.secure === true;
  if (requested === undefined || requested === secure) return { secure };
  return secure
    ? { refuse: 'this cluster was created with --secure and stays secure; run mk8s down --purge first to start an insecure one' }
    : { refuse: 'this cluster was created without --secure; its data cannot be switched to secure mode: run mk8s down --purge first, then mk8s up --secure' };
}
