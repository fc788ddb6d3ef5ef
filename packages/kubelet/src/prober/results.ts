/**
 * The latest probe verdict per (pod uid, container name, probe type), as
 * Kubernetes' pkg/kubelet/prober/results keeps it per container ID. Each
 * entry remembers which container instance it is about, so a verdict about
 * a replaced container is never mistaken for one about its successor.
 */

export type ProbeType = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure';

export interface ResultUpdate {
  podUid: string;
  containerName: string;
  containerId: string;
  type: ProbeType;
  result: ProbeResult;
}

export interface CachedResult {
  containerId: string;
  result: ProbeResult;
}

export type ResultListener = (update: ResultUpdate) => void;

export class ProbeResults {
  private readonly entries = new Map<string, Map<string, CachedResult>>();
  private readonly listeners = new Set<ResultListener>();

  get(podUid: string, containerName: string, type: ProbeType): CachedResult | undefined {
    const e = this.entries.get(podUid)?.get(key(containerName, type));
    return e ? { ...e } : undefined;
  }

  /**
   * Stores the verdict. Listeners hear about it only when it differs from the
   * cached one: a new result, or the first verdict about a new container.
   * A throwing listener does not keep the others from hearing; the first
   * error is rethrown once all have been called.
   */
  set(update: ResultUpdate): void {
    let pod = this.entries.get(update.podUid);
    if (!pod) this.entries.set(update.podUid, (pod = new Map()));
    const k = key(update.containerName, update.type);
    const prev = pod.get(k);
    if (prev && prev.containerId === update.containerId && prev.result === update.result) return;
    pod.set(k, { containerId: update.containerId, result: update.result });
    let failed: { err: unknown } | undefined;
    for (const fn of [...this.listeners]) {
      try {
        fn({ ...update });
      } catch (err) {
        failed ??= { err };
      }
    }
    if (failed) throw failed.err;
  }

  /** Forgets one verdict, silently. */
  remove(podUid: string, containerName: string, type: ProbeType): void {
    const pod = this.entries.get(podUid);
    if (!pod) return;
    pod.delete(key(containerName, type));
    if (pod.size === 0) this.entries.delete(podUid);
  }

  /** Forgets every verdict about the pod, silently. */
  removePod(podUid: string): void {
    this.entries.delete(podUid);
  }

  /** Calls `fn` on every change; returns the unsubscribe function. */
  onChange(fn: ResultListener): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
}

function key(containerName: string, type: ProbeType): string {
  return `${type}\u0000${containerName}`;
}
