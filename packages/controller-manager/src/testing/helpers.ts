/**
 * Helpers for this package's integration tests (not part of its public API):
 * a stand-in kubelet that marks pods ready, a lister-watcher
 * factory whose pod watch lags behind the server, to provoke the races that
 * expectations exist to prevent, and a custom resource (widgets.example.com).
 */
import type { Pod } from '@mk8s/api';
import { listerWatchersFor, type Clientset, type KubeObject, type ListerWatcherFactory, type ResourceClient, type WatchEvent } from '@mk8s/client';

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

/** The namespaced Widget resource of `createWidgetCrd` (example.com/v1). */
export const WIDGET = { group: 'example.com', version: 'v1', resource: 'widgets', apiVersion: 'example.com/v1', kind: 'Widget' } as const;

/** Widgets in `namespace`. */
export function widgets(client: Clientset, namespace: string): ResourceClient<KubeObject> {
  return client.resource<KubeObject>(WIDGET.group, WIDGET.version, WIDGET.resource, { namespaced: true }).inNamespace(namespace);
}

/** A Widget object to create in `namespace`. */
export function buildWidget(name: string, namespace: string, metadata: KubeObject['metadata'] = {}): KubeObject {
  return { apiVersion: WIDGET.apiVersion, kind: WIDGET.kind, metadata: { ...metadata, name, namespace }, spec: { size: 1 } } as KubeObject;
}

/** Creates the CRD of namespaced `widgets.example.com` and waits until it is Established (served). */
export async function createWidgetCrd(client: Clientset, timeoutMs = 15_000): Promise<void> {
  const crds = client.resource<KubeObject>('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  await crds.create({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: WIDGET.group,
      scope: 'Namespaced',
      names: { plural: WIDGET.resource, singular: 'widget', kind: WIDGET.kind },
      versions: [
        {
          name: WIDGET.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
        },
      ],
    },
  } as KubeObject);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const crd = (await crds.get('widgets.example.com')) as KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } };
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error('widgets.example.com was not Established in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
