/**
 * Finds the log file of a pod's container: the seam between the kubelet's
 * HTTP server and whatever knows where containers live (the runtime here; a
 * kubelet may put its own pod cache in front).
 */
import type { Container, CriRuntime, PodSandbox } from '@mk8s/cri';
import { isNotFound } from '@mk8s/cri';

export interface LocatedLog {
  /** Absolute path of the CRI log file ('' when the container has none). */
  path: string;
  /** The container may still write to it (created or running), so `follow` waits for more. */
  running: boolean;
}

export interface ContainerLogLocator {
  /**
   * The log of the container `container` of pod `namespace/pod`: its current
   * attempt, or with `previous` the attempt before it. undefined when there
   * is no such pod, container or previous attempt.
   */
  locate(namespace: string, pod: string, container: string, previous: boolean): Promise<LocatedLog | undefined>;
}

/**
 * A locator that asks the runtime each time: the pod's sandboxes by their
 * CRI metadata (name, namespace); when pods of that name came and went, only
 * the newest pod (by uid of its newest sandbox) counts, across all of its
 * sandboxes, since a restarted sandbox starts the containers again. The
 * container's attempts are ordered by attempt number, then creation time;
 * the log path is ContainerStatus.logPath, which CRI runtimes report
 * resolved (sandbox logDirectory joined with the container's logPath).
 */
export function criLogLocator(runtime: CriRuntime): ContainerLogLocator {
  return {
    async locate(namespace, pod, container, previous) {
      const found = await findContainerAttempts(runtime, namespace, pod, container);
      const chosen = found?.attempts[previous ? 1 : 0];
      if (!chosen) return undefined;
      try {
        const { status } = await runtime.containerStatus({ containerId: chosen.id });
        return { path: status.logPath, running: status.state === 'CONTAINER_RUNNING' || status.state === 'CONTAINER_CREATED' };
      } catch (err) {
        if (isNotFound(err)) return undefined; // removed since the list
        throw err;
      }
    },
  };
}

/**
 * The attempts of container `container` of pod `namespace/pod`, newest first,
 * as the runtime knows them: only the newest pod of that name counts (by the
 * uid of its newest sandbox), across all of its sandboxes. undefined when the
 * runtime has no sandbox of that pod (or, with `uid`, none of that uid).
 * Shared by the log locator and exec; reads the runtime, never a cache.
 */
export async function findContainerAttempts(
  runtime: CriRuntime,
  namespace: string,
  pod: string,
  container: string,
  uid?: string,
): Promise<{ podUid: string; attempts: Container[] } | undefined> {
  const { items } = await runtime.listPodSandbox({});
  const mine = items.filter((s) => s.metadata.name === pod && s.metadata.namespace === namespace && (uid === undefined || s.metadata.uid === uid));
  const newest = latest(mine);
  if (!newest) return undefined;
  const sandboxIds = new Set(mine.filter((s) => s.metadata.uid === newest.metadata.uid).map((s) => s.id));
  const { containers } = await runtime.listContainers({});
  const attempts = containers.filter((c) => sandboxIds.has(c.podSandboxId) && c.metadata.name === container).sort(newestFirst);
  return { podUid: newest.metadata.uid, attempts };
}

function latest(sandboxes: PodSandbox[]): PodSandbox | undefined {
  let best: PodSandbox | undefined;
  for (const s of sandboxes) {
    if (!best || s.createdAt > best.createdAt || (s.createdAt === best.createdAt && (s.metadata.attempt ?? 0) > (best.metadata.attempt ?? 0))) best = s;
  }
  return best;
}

function newestFirst(a: Container, b: Container): number {
  return (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0) || b.createdAt - a.createdAt;
}
