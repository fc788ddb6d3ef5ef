/**
 * `mk8s snapshot save FILE` and `mk8s snapshot restore FILE`
 * (docs/operations.md, Backup and restore).
 *
 * save: the running API server writes a consistent snapshot of its store to
 * the response of `GET /mk8s/v1/snapshot` (as the cluster admin when the
 * cluster is secure: the snapshot holds every Secret); the launcher writes it
 * to a temporary file beside FILE (mode 0600), checks it as a restore would
 * (format, row count, checksum) and only then renames it to FILE.
 *
 * restore: with the cluster down, replaces the API server's data folder
 * with the snapshot's content (the old folder is kept aside, never deleted),
 * revisions bumped past any the old cluster handed out and everything older
 * marked compacted, so clients relist (410 Gone) instead of trusting stale
 * resourceVersions.
 */
import { createWriteStream } from 'node:fs';
import { chmod, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SNAPSHOT_PATH, inspectSnapshot, restoreSnapshot } from '@mk8s/apiserver';
import type { LaunchContext } from './components.js';
import { LaunchError } from './launch.js';
import { listRunning } from './processes.js';
import type { statePaths } from './state.js';

/** The API server's store folder in a cluster's home (what `mk8s up` passes as --data-dir). */
export function apiserverDataDir(paths: ReturnType<typeof statePaths>): string {
  return path.join(paths.data, 'apiserver');
}

/** Streams the running API server's snapshot into `file`; resolves to what the file holds. */
export async function saveSnapshot(ctx: LaunchContext, file: string): Promise<{ revision: number; rows: number; bytes: number }> {
  const target = path.resolve(file);
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  try {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const url = `${ctx.apiUrl}${SNAPSHOT_PATH}`;
      const admin = ctx.admin;
      const req = ctx.secure ? https.get(url, { ca: admin?.ca, cert: admin?.cert, key: admin?.key }, resolve) : http.get(url, resolve);
      req.on('error', reject);
    });
    if (res.statusCode !== 200) {
      let text = '';
      for await (const chunk of res) text += String(chunk);
      const message = (() => {
        try {
          return (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          return text;
        }
      })();
      throw new LaunchError(`the API server refused the snapshot (HTTP ${res.statusCode}): ${message.trim()}`);
    }
    await pipeline(res, createWriteStream(partial, { mode: 0o600 }));
    await chmod(partial, 0o600);
    const info = await inspectSnapshot(partial);
    const { size } = await stat(partial);
    await rename(partial, target);
    return { revision: info.revision, rows: info.rows, bytes: size };
  } finally {
    await rm(partial, { force: true });
  }
}

/** Restores `file` into the cluster's data folder; the cluster must be down. */
export async function restoreFromSnapshot(paths: ReturnType<typeof statePaths>, file: string): Promise<string[]> {
  const running = await listRunning(paths);
  if (running.length > 0) {
    throw new LaunchError(`the cluster in ${paths.home} is running (${running.map((r) => r.name).join(', ')}); stop it with mk8s down, then restore`);
  }
  const r = await restoreSnapshot(path.resolve(file), apiserverDataDir(paths));
  return [
    `mk8s: restored ${r.keys} objects from ${file} (snapshot revision ${r.snapshotRevision}) into ${r.dataDir}`,
    `mk8s: the store continues at revision ${r.revision}; older resourceVersions are compacted (clients relist)`,
    ...(r.movedAside ? [`mk8s: the previous data is kept in ${r.movedAside}`] : []),
    'mk8s: start the cluster with mk8s up',
  ];
}
