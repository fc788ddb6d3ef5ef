/**
 * The node lifecycle controller (Kubernetes' `pkg/controller/nodelifecycle`
 * with its NoExecute taint manager): watches Nodes and their heartbeat Leases
 * (`kube-node-lease/<node>`), and
 *
 * - marks a node whose kubelet has been silent for `nodeMonitorGracePeriodMs`
 *   Ready=Unknown (all monitored conditions Unknown, through `nodes/status`);
 * - keeps the `node.kubernetes.io/unreachable` (Ready Unknown) and
 *   `node.kubernetes.io/not-ready` (Ready False) taints, NoSchedule and
 *   NoExecute, in step with the Ready condition, removing them when the node
 *   is Ready again;
 * - marks the pods of a node that stops being ready NotReady (Ready
 *   condition False, reason NodeNotReady), so Endpoints drop them;
 * - evicts (deletes) pods from NoExecute-tainted nodes: at once without a
 *   matching toleration, after its `tolerationSeconds` with one, never with
 *   a toleration that has none.
 *
 * Two level-triggered loops share the caches: one keyed by node name (health,
 * taints, pod readiness), one keyed by pod (eviction). Every
 * `nodeMonitorPeriodMs` all nodes are rechecked; deadlines are also rechecked
 * with `enqueueAfter`. Nothing is written for a converged node or pod, so a
 * restarted controller changes nothing (it grants every node a fresh grace
 * period first, as Kubernetes does).
 */
import { cloneJson, isPodReady, metaTime, type Lease, type Node, type Pod, type Taint } from '@mk8s/api';
import {
  ControllerBase,
  deletedObject,
  isConflict,
  isNotFound,
  objectKey,
  splitKey,
  type ControllerDeps,
  type RateLimitingQueue,
  type SharedInformer,
} from '@mk8s/client';
import { desiredTaints, observeHealth, readyCondition, taintsEqual, unknownConditions, type NodeHealth } from './node-health.js';
import { NO_EXECUTE, evictionDeadline, taintTimeAdded } from './taints.js';

export interface NodeLifecycleControllerOptions extends ControllerDeps {
  /** How long a node may go without a heartbeat before it is Unknown; default 10 s. */
  nodeMonitorGracePeriodMs?: number;
  /** How often every node is rechecked; default 1 s. */
  nodeMonitorPeriodMs?: number;
  /** Where the kubelets' heartbeat Leases live; default `kube-node-lease`. */
  leaseNamespace?: string;
}

/** Private index names, so sharing informers with other controllers never collides. */
const PODS_BY_NODE = 'node-lifecycle:spec.nodeName';

export class NodeLifecycleController extends ControllerBase {
  protected readonly informers;
  private readonly gracePeriodMs: number;
  private readonly monitorPeriodMs: number;
  private readonly leaseNamespace: string;
  private readonly nodes: SharedInformer<Node>;
  private readonly leases: SharedInformer<Lease>;
  private readonly pods: SharedInformer<Pod>;
  private readonly health = new Map<string, NodeHealth>();
  /** Ready status this controller last acted on, per node (to notice transitions). */
  private readonly observedReady = new Map<string, string | undefined>();
  /** node -> taint (key:effect) -> when first seen, for taints without `timeAdded`. */
  private readonly taintFirstSeen = new Map<string, Map<string, number>>();
  /** Nodes to look at (the main queue). */
  private readonly nodeQueue: RateLimitingQueue<string>;
  /** Pods whose NoExecute tolerations are to be checked against their node's taints. */
  private readonly evictionQueue: RateLimitingQueue<string>;

  constructor(opts: NodeLifecycleControllerOptions) {
    super({ name: 'node-lifecycle', eventSource: 'node-lifecycle-controller' }, opts);
    this.gracePeriodMs = opts.nodeMonitorGracePeriodMs ?? 10_000;
    this.monitorPeriodMs = opts.nodeMonitorPeriodMs ?? 1_000;
    this.leaseNamespace = opts.leaseNamespace ?? 'kube-node-lease';
    this.nodes = opts.factory.informerFor<Node>('nodes');
    this.leases = opts.factory.informerFor<Lease>('leases', { namespace: this.leaseNamespace });
    this.pods = opts.factory.informerFor<Pod>('pods');
    if (!this.pods.getStore().indexNames().includes(PODS_BY_NODE)) {
      this.pods.addIndexers({ [PODS_BY_NODE]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
    }
    this.informers = [this.nodes, this.leases, this.pods];
    this.nodeQueue = this.queue;
    this.evictionQueue = this.newQueue('node-lifecycle-eviction');
    this.addWorkerLoop({
      name: 'node-lifecycle-eviction',
      informers: [this.nodes, this.pods],
      queue: this.evictionQueue,
      sync: (key) => this.syncEviction(key),
    });
    // Every `nodeMonitorPeriodMs`, every node is looked at again (Kubernetes' monitorNodeHealth tick).
    this.everyPeriod(this.monitorPeriodMs, () => {
      for (const n of this.nodes.lister.list()) this.nodeQueue.add(n.metadata?.name ?? '');
    });

    this.nodes.addEventHandler({
      onAdd: (n) => this.onNodeChange(undefined, n),
      onUpdate: (o, n) => this.onNodeChange(o, n),
      onDelete: (n) => this.nodeQueue.add(objectKey(deletedObject(n))),
    });
    this.leases.addEventHandler({
      onAdd: (l) => this.nodeQueue.add(l.metadata?.name ?? ''),
      onUpdate: (_o, l) => this.nodeQueue.add(l.metadata?.name ?? ''),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.onPodChange(p),
      onUpdate: (_o, p) => this.onPodChange(p),
    });
  }

  private onNodeChange(old: Node | undefined, node: Node): void {
    const name = node.metadata?.name ?? '';
    this.nodeQueue.add(name);
    if (!old || !taintsEqual(noExecute(old), noExecute(node))) {
      for (const p of this.pods.getStore().byIndex(PODS_BY_NODE, name)) this.evictionQueue.add(objectKey(p));
    }
  }

  private onPodChange(pod: Pod): void {
    if (!pod.spec?.nodeName) return;
    this.evictionQueue.add(objectKey(pod));
    // A pod turning ready on a node that is not: the node loop decides whether to mark it again.
    if (isPodReady(pod) && this.nodeReadyStatus(pod.spec.nodeName) === 'Unknown') {
      this.nodeQueue.add(pod.spec.nodeName);
    }
  }

  private nodeReadyStatus(name: string): string | undefined {
    const node = this.nodes.lister.get(name);
    return node ? readyCondition(node)?.status : undefined;
  }

  /** The main queue's sync: one node's health, conditions and taints. */
  protected sync(name: string): Promise<void> {
    return this.syncNode(name);
  }

  private async syncNode(name: string): Promise<void> {
    const cached = this.nodes.lister.get(name);
    if (!cached) {
      this.health.delete(name);
      this.observedReady.delete(name);
      this.taintFirstSeen.delete(name);
      return;
    }
    const now = this.clock.now();
    const lease = this.leases.lister.namespace(this.leaseNamespace).get(name);
    const health = observeHealth(this.health.get(name), cached, lease, now);
    this.health.set(name, health);

    let node = cached;
    const silentFor = now - health.probeTimestamp;
    if (silentFor >= this.gracePeriodMs) {
      const conditions = unknownConditions(node, now);
      if (conditions) {
        const next = cloneJson(node);
        next.status = { ...next.status, conditions };
        node = await this.client.nodes.updateStatus(next);
        this.log.info({ node: name, silentMs: silentFor }, 'node stopped posting status: Ready=Unknown');
      }
    } else {
      this.nodeQueue.addAfter(name, this.gracePeriodMs - silentFor);
    }

    const ready = readyCondition(node)?.status;
    // First look (also after a restart): what the cache showed is the baseline, not a transition.
    const before = this.observedReady.has(name) ? this.observedReady.get(name) : readyCondition(cached)?.status;
    if (before === 'True' && ready !== undefined && ready !== 'True') {
      this.recorder.event(nodeRef(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }

    const taints = desiredTaints(node, now);
    if (!taintsEqual(taints, node.spec?.taints ?? [])) {
      // The resourceVersion makes this a compare-and-swap of the whole (atomic) taint list.
      await this.client.nodes.patch(name, { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } }, 'merge');
    }

    // Kubernetes' MarkPodsNotReady: on every look while Unknown (no kubelet will say otherwise),
    // and once on the transition to False (a live kubelet owns its pods' readiness after that).
    if (ready === 'Unknown' || (ready === 'False' && before === 'True')) await this.markPodsNotReady(name, now);
    this.observedReady.set(name, ready);
  }

  private async markPodsNotReady(nodeName: string, now: number): Promise<void> {
    for (const pod of this.pods.getStore().byIndex(PODS_BY_NODE, nodeName)) {
      if (!isPodReady(pod) || pod.spec?.nodeName !== nodeName) continue;
      const patch = { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'NodeNotReady', lastTransitionTime: metaTime(now) }] } };
      try {
        await this.client.pods.inNamespace(pod.metadata!.namespace!).patch(pod.metadata!.name!, patch, 'strategic', { status: true });
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
  }

  private async syncEviction(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.lister.namespace(namespace ?? '').get(name);
    if (!pod?.spec?.nodeName || pod.metadata?.deletionTimestamp) return;
    const node = this.nodes.lister.get(pod.spec.nodeName);
    if (!node) return;
    const taints = noExecute(node);
    if (taints.length === 0) return;
    const now = this.clock.now();
    const deadline = evictionDeadline(pod, taints, (t) => taintTimeAdded(t) ?? this.firstSeen(pod.spec!.nodeName!, t, now));
    if (deadline === Infinity) return;
    if (deadline > now) {
      this.evictionQueue.addAfter(key, deadline - now);
      return;
    }
    try {
      await this.client.pods.inNamespace(namespace!).delete(name, { preconditions: { uid: pod.metadata!.uid! } });
    } catch (err) {
      // Gone already, or replaced by a namesake the next sync judges on its own.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    this.log.info({ pod: key, node: node.metadata?.name }, 'evicted pod from a NoExecute-tainted node');
    this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
  }

  private firstSeen(node: string, taint: Taint, now: number): number {
    let perNode = this.taintFirstSeen.get(node);
    if (!perNode) this.taintFirstSeen.set(node, (perNode = new Map()));
    const id = `${taint.key}:${taint.effect}`;
    const seen = perNode.get(id);
    if (seen !== undefined) return seen;
    perNode.set(id, now);
    return now;
  }
}

function noExecute(node: Node): Taint[] {
  return (node.spec?.taints ?? []).filter((t) => t.effect === NO_EXECUTE);
}

function nodeRef(node: Node): { apiVersion: string; kind: string; metadata: { name: string; uid?: string } } {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata?.name ?? '', uid: node.metadata?.uid || undefined } };
}
