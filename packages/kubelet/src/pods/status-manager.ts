import type { Pod, PodStatus } from '@mk8s/api';
import type { Clientset } from '@mk8s/client';
import { isConflict, isNotFound } from '@mk8s/client';
import { silentLogger, type Logger } from '@mk8s/client';

export interface StatusManagerOptions {
  client: Clientset;
  log?: Logger;
  /** Attempts on 409 Conflict before giving up until the next sync (default 5). */
  conflictRetries?: number;
}

/**
 * Writes pods' status through `pods/status` (Kubernetes' status manager),
 * and only when the write would change the status in the API: the pod object
 * the caller holds, else a fresh GET, is compared with what the write would
 * leave (compared without condition timestamps and with conditions in type
 * order). Not against the last status written: another writer may have
 * changed it since (the node lifecycle controller marks the pods of a silent
 * node not Ready), and the kubelet must put its view back, as Kubernetes'
 * status manager reconciles. A conflict retries on a fresh GET; a pod that is
 * gone (404) or replaced (another uid) is never written. Not safe for
 * concurrent calls on one pod (the pod worker serialises them).
 */
export class StatusManager {
  private readonly lastStatus = new Map<string, PodStatus>();
  private readonly log: Logger;

  constructor(private readonly opts: StatusManagerOptions) {
    this.log = opts.log ?? silentLogger;
  }

  /** The status last written (or found already in place) for a pod: the kubelet's own view. */
  getPodStatus(uid: string): PodStatus | undefined {
    return this.lastStatus.get(uid);
  }

  /** Resolves true when a write happened. */
  async setPodStatus(pod: Pod, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    // Nothing to write when the API already shows what this write would leave there.
    const inPlace = (api: PodStatus | undefined): boolean => api !== undefined && canonicalStatus(mergeStatus(api, status)) === canonicalStatus(api);
    if (inPlace(pod.status)) {
      this.lastStatus.set(uid, status);
      return false;
    }
    const pods = this.opts.client.pods.inNamespace(ns);
    const tries = this.opts.conflictRetries ?? 5;
    for (let i = 0; i < tries; i++) {
      let current: Pod;
      try {
        current = await pods.get(name);
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
      if (current.metadata?.uid !== uid) return false;
      if (inPlace(current.status)) {
        this.lastStatus.set(uid, status);
        return false;
      }
      try {
        await pods.updateStatus({ ...current, status: mergeStatus(current.status, status) });
        this.lastStatus.set(uid, status);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (!isConflict(err)) throw err;
        this.log.info({ pod: `${ns}/${name}` }, 'pod status conflict, retrying');
      }
    }
    throw new Error(`updating status of pod ${ns}/${name}: still conflicting after ${tries} attempts`);
  }

  /** Forgets a pod (it is gone). */
  forget(uid: string): void {
    this.lastStatus.delete(uid);
  }
}

/** Conditions the kubelet does not own (e.g. set by controllers) survive a write. */
function mergeStatus(current: PodStatus | undefined, next: PodStatus): PodStatus {
  const mine = new Set((next.conditions ?? []).map((c) => c.type));
  const others = (current?.conditions ?? []).filter((c) => !mine.has(c.type));
  return { ...next, conditions: [...(next.conditions ?? []), ...others] };
}

/** A status as a string that ignores condition timestamps and condition order. */
export function canonicalStatus(s: PodStatus): string {
  const conditions = [...(s.conditions ?? [])]
    .map((c) => ({ type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? '' }))
    .sort((a, b) => a.type.localeCompare(b.type));
  return stableStringify({ ...s, conditions });
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
