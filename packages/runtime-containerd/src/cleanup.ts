/**
 * Taking down what a containerd instance leaves behind. containerd keeps its
 * tasks running when it stops (their shims outlive it, by design), so an
 * instance is swept while it still answers, then stopped, then its mounts
 * and bridge are removed.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { mountsUnder } from '@mk8s/component-base';

const exec = promisify(execFile);

const lines = (out: string): string[] =>
  out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
const quiet = (p: Promise<unknown>): Promise<unknown> => p.catch(() => undefined);

/** The pinned network namespace paths in `ctr containers info` output (the sandbox's spec). */
export function networkNamespaces(info: string): string[] {
  try {
    const parsed = JSON.parse(info) as { Spec?: { linux?: { namespaces?: { type?: string; path?: string }[] } } };
    return (parsed.Spec?.linux?.namespaces ?? [])
      .filter((n) => n.type === 'network' && typeof n.path === 'string' && /^\/(var\/)?run\/netns\//.test(n.path))
      .map((n) => n.path as string);
  } catch {
    return [];
  }
}

/**
 * Kills and deletes the tasks and containers left in every namespace of the
 * instance at `socket`, and the pod network namespaces the CRI plugin pinned
 * (/var/run/netns/cni-...; removing one also removes its veth end). Returns
 * how many containers it deleted. Best effort: an instance that does not
 * answer is left as it is.
 */
export async function sweepContainerd(socket: string): Promise<number> {
  const netns: string[] = [];
  let deleted = 0;
  const namespaces = lines(
    await exec('ctr', ['--address', socket, 'namespaces', 'ls', '-q']).then(
      (r) => r.stdout,
      () => '',
    ),
  );
  for (const ns of namespaces) {
    const c = (args: string[]): Promise<{ stdout: string }> => exec('ctr', ['--address', socket, '-n', ns, ...args]);
    for (const id of lines(
      await c(['tasks', 'ls', '-q']).then(
        (r) => r.stdout,
        () => '',
      ),
    )) {
      await quiet(c(['tasks', 'kill', '-a', '-s', 'SIGKILL', id]));
      await quiet(c(['tasks', 'delete', '-f', id]));
    }
    for (const id of lines(
      await c(['containers', 'ls', '-q']).then(
        (r) => r.stdout,
        () => '',
      ),
    )) {
      netns.push(
        ...networkNamespaces(
          await c(['containers', 'info', id]).then(
            (r) => r.stdout,
            () => '',
          ),
        ),
      );
      if (
        await c(['containers', 'delete', id]).then(
          () => true,
          () => false,
        )
      )
        deleted++;
    }
  }
  for (const ns of new Set(netns)) {
    await quiet(exec('umount', [ns]));
    await rm(ns, { force: true }).catch(() => undefined);
  }
  return deleted;
}

/** After containerd has stopped: unmounts what it left under `dir` and deletes its bridge. */
export async function releaseContainerdDir(dir: string, bridge: string): Promise<void> {
  for (const mount of await mountsUnder(dir)) await quiet(exec('umount', ['-l', mount]));
  await quiet(exec('ip', ['link', 'delete', bridge]));
}
