/**
 * The pod garbage collector (Kubernetes' pkg/controller/podgc, its orphan
 * part): a pod bound to a node that no longer exists is deleted at once
 * (grace period 0). No kubelet will ever stop it or confirm its end, so
 * without this it would stay forever: Running as its dead kubelet last
 * reported it, or Terminating once evicted. Nodes disappear when an admin
 * deletes them or when the cloud controller manager sees their machine go
 * (`mk8s node remove`); the pods' controllers have replaced them by then
 * (taint-based eviction) or do so once they are gone.
 *
 * A missing node is first confirmed with a live GET after a quarantine
 * (`quarantineMs`, Kubernetes: 40 s), so a node that is only being
 * re-registered, or that the cache has not seen yet, keeps its pods.
 */
import type { Node, Pod } from '@mk8s/api';
import { ControllerBase, deletedObject, isConflict, isNotFound, objectKey, splitKey, type ControllerDeps, type SharedInformer } from '@mk8s/client';

export interface PodGCControllerOptions extends ControllerDeps {
  /** How long a node must be missing before its pods go; default 5 s. */
  quarantineMs?: number;
}

const PODS_BY_NODE = 'podgc-by-node';

export class PodGCController extends ControllerBase {
  protected readonly informers;
  private readonly pods: SharedInformer<Pod>;
  private readonly nodes: SharedInformer<Node>;
  private readonly quarantineMs: number;
  /** Node name -> when this controller first saw it missing. */
  private readonly missingSince = new Map<string, number>();

  constructor(opts: PodGCControllerOptions) {
    super({ name: 'podgc', eventSource: 'pod-garbage-collector' }, opts);
    this.quarantineMs = opts.quarantineMs ?? 5_000;
    this.pods = opts.factory.informerFor<Pod>('pods');
    this.nodes = opts.factory.informerFor<Node>('nodes');
    if (!this.pods.getStore().indexNames().includes(PODS_BY_NODE)) {
      this.pods.addIndexers({ [PODS_BY_NODE]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
    }
    this.informers = [this.pods, this.nodes];
    const onPod = (p: Pod): void => {
      if (p.spec?.nodeName && !this.nodes.lister.get(p.spec.nodeName)) this.queue.add(objectKey(p));
    };
    this.pods.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p) });
    this.nodes.addEventHandler({
      onAdd: (n) => this.missingSince.delete(n.metadata?.name ?? ''),
      onDelete: (n) => {
        const name = deletedObject(n).metadata?.name ?? '';
        for (const p of this.pods.getStore().byIndex(PODS_BY_NODE, name)) this.queue.add(objectKey(p));
      },
    });
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.lister.namespace(namespace ?? '').get(name);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || this.nodes.lister.get(nodeName)) return;
    const now = this.clock.now();
    const since = this.missingSince.get(nodeName) ?? now;
    this.missingSince.set(nodeName, since);
    if (now - since < this.quarantineMs) {
      this.queue.addAfter(key, since + this.quarantineMs - now);
      return;
    }
    try {
      await this.client.nodes.get(nodeName);
      return; // the cache lags: the node is there
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await this.client.pods.inNamespace(namespace!).delete(name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    this.log.info({ pod: key, node: nodeName }, 'deleted a pod bound to a node that no longer exists');
    this.recorder.event(pod, 'Normal', 'PodGCOrphaned', `Deleting pod ${key} bound to node ${nodeName}, which no longer exists`);
  }
}
