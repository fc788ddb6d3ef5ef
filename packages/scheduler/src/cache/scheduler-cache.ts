/**
 * The scheduler's cache (Kubernetes' internal/cache): nodes and the pods on
 * them, aggregated per node, including pods the scheduler has *assumed*
 * (placed in memory, bind request still in flight), so that back-to-back
 * decisions see each other's resource use without waiting for the watch.
 *
 * Pod life cycle here: `assumePod` (decided) -> either `forgetPod` (bind
 * failed) or `addPod` from the informer (the bind is visible: confirmed;
 * if the pod landed on another node than assumed, it moves) -> `updatePod`
 * / `removePod` from the informer. Terminal pods are removed: they hold no
 * resources.
 *
 * Not thread-safe by design: the scheduler calls it from one event loop,
 * and a scheduling cycle runs synchronously, so it always sees one state.
 */
import type { Node, Pod } from '@mk8s/api';
import { isPodTerminal } from '@mk8s/api';
import { NodeInfo } from '../framework/node-info.js';
import { newPodInfo, type PodInfo } from '../framework/pod-info.js';

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  /** Nodes with a Node object, in a stable order (the sampling walks it round robin). */
  private list: NodeInfo[] = [];
  private listDirty = false;

  // Nodes.

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let info = this.nodes.get(name);
    if (!info) this.nodes.set(name, (info = new NodeInfo(name)));
    if (!info.node) this.listDirty = true;
    info.setNode(node);
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  /** Forgets the Node; its pods keep their accounting until they are removed too. */
  removeNode(node: Node | string): void {
    const name = typeof node === 'string' ? node : (node.metadata?.name ?? '');
    const info = this.nodes.get(name);
    if (!info) return;
    info.node = undefined;
    if (info.pods.size === 0) this.nodes.delete(name);
    this.listDirty = true;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** Nodes the scheduler may place pods on (those with a Node object); do not modify. */
  nodeList(): readonly NodeInfo[] {
    if (this.listDirty) {
      this.list = [...this.nodes.values()].filter((n) => n.node !== undefined);
      this.listDirty = false;
    }
    return this.list;
  }

  get nodeCount(): number {
    return this.nodeList().length;
  }

  // Pods.

  /** Places the pod on `nodeName` before the bind lands. The pod must not be known yet. */
  assumePod(info: PodInfo, nodeName: string): void {
    if (this.podStates.has(info.uid)) throw new Error(`pod ${info.key} is already in the scheduler cache`);
    this.podStates.set(info.uid, { info, nodeName, assumed: true });
    this.nodeFor(nodeName).addPod(info);
  }

  /** The bind failed: undoes `assumePod`. No-op if the pod was confirmed meanwhile or is unknown. */
  forgetPod(uid: string): boolean {
    const st = this.podStates.get(uid);
    if (!st || !st.assumed) return false;
    this.podStates.delete(uid);
    this.detach(uid, st.nodeName);
    return true;
  }

  isAssumed(uid: string): boolean {
    return this.podStates.get(uid)?.assumed === true;
  }

  /** An assigned pod from the informer: confirms an assumed one, or adds it. */
  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    if (isPodTerminal(pod)) {
      this.removePod(pod);
      return;
    }
    const info = newPodInfo(pod);
    const st = this.podStates.get(info.uid);
    if (st) this.detach(info.uid, st.nodeName);
    this.podStates.set(info.uid, { info, nodeName, assumed: false });
    this.nodeFor(nodeName).addPod(info);
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const st = this.podStates.get(uid);
    if (!st) return;
    this.podStates.delete(uid);
    this.detach(uid, st.nodeName);
  }

  get podCount(): number {
    return this.podStates.size;
  }

  get assumedCount(): number {
    let n = 0;
    for (const st of this.podStates.values()) if (st.assumed) n++;
    return n;
  }

  private nodeFor(name: string): NodeInfo {
    let info = this.nodes.get(name);
    if (!info) this.nodes.set(name, (info = new NodeInfo(name)));
    return info;
  }

  private detach(uid: string, nodeName: string): void {
    const info = this.nodes.get(nodeName);
    if (!info) return;
    info.removePod(uid);
    if (!info.node && info.pods.size === 0) this.nodes.delete(nodeName);
  }
}
