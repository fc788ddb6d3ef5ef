/**
 * Helpers for this package's integration tests (not part of its public API):
 * a stand-in kubelet that marks pods ready, and a lister-watcher
 * factory whose pod watch lags behind the server, to provoke the races that
 * expectations exist to prevent.
 */
import type { Pod } from '@mk8s/api';
import { listerWatchersFor, type Clientset, type KubeObject, type ListerWatcherFactory, type WatchEvent } from '@mk8s/client';

/** Does what a kubelet would once the pod's containers pass their readiness probes: phase Running, Ready True. */
export async function markPodReady(client: Clientset, pod: Pod, readySince = new Date()): Promise<void> {
  const ns = client.pods.inNamespace(pod.metadata?.namespace ?? 'default');
  const fresh = await ns.get(pod.metadata?.name ?? '');
  const t = readySince.toISOString().replace(/\.\d{3}Z$/, 'Z');
  fresh.status = {
    ...(fresh.status ?? {}),
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: t },
      { type: 'Initialized', status: 'True', lastTransitionTime: t },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: t },
      { type: 'Ready', status: 'True', lastTransitionTime: t },
    ],
  };
  await ns.updateStatus(fresh);
}

/** Active (not terminal, not being deleted) pods in `namespace`, read from the server. */
export async function activePods(client: Clientset, namespace: string, labelSelector?: string): Promise<Pod[]> {
  const list = await client.pods.inNamespace(namespace).list(labelSelector ? { labelSelector } : {});
  return list.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

/** Like listerWatchersFor(client), but every watch event of `resource` is delivered `delayMs` late. */
export function laggingListerWatchers(client: Clientset, resource: string, delayMs: number): ListerWatcherFactory {
  const base = listerWatchersFor(client);
  return (res, scope) => {
    const lw = base(res, scope);
    if (res !== resource) return lw;
    return {
      list: (opts) => lw.list(opts),
      watch: (opts) => ({
        async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<KubeObject>> {
          for await (const ev of lw.watch(opts)) {
            await new Promise((r) => setTimeout(r, delayMs));
            yield ev;
          }
        },
      }),
    };
  };
}
