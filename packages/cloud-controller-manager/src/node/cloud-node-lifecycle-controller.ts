/**
 * The cloud node lifecycle controller (Kubernetes' cloud-provider
 * controllers/nodelifecycle): for every Node that is not Ready, asks the
 * cloud about its machine.
 *
 * - shut down: the Node gets the `node.cloudprovider.kubernetes.io/shutdown`
 *   taint (NoSchedule), so it is plain why it stopped answering;
 * - gone for good: the Node is deleted (pods bound to it are then removed by
 *   kube-controller-manager's pod garbage collector, and their controllers
 *   replace them);
 * - a Ready Node is never asked about (a flaky cloud cannot delete a healthy
 *   node) and loses the shutdown taint if it has it.
 *
 * The cloud cannot be watched, so every node is checked each `monitorPeriodMs`
 * (and whenever its Node changes).
 */
import { metaTime, type Node } from '@mk8s/api';
import { ControllerBase, deletedObject, isConflict, isNotFound, retryOnConflict, type SharedInformer } from '@mk8s/client';
import { TAINT_SHUTDOWN, type CloudProvider } from '../cloud.js';
import { hasTaint, nodeRef, readyStatus, withoutTaint, type CloudControllerDeps } from '../util.js';

export const CLOUD_NODE_LIFECYCLE_CONTROLLER = 'cloud-node-lifecycle-controller';

export interface CloudNodeLifecycleOptions extends CloudControllerDeps {
  /** How often every node is checked; default 5 s (Kubernetes' --node-monitor-period). */
  monitorPeriodMs?: number;
}

export class CloudNodeLifecycleController extends ControllerBase {
  protected readonly informers;
  private readonly cloud: CloudProvider;
  private readonly nodes: SharedInformer<Node>;

  constructor(deps: CloudNodeLifecycleOptions) {
    super({ name: 'cloud-node-lifecycle', eventSource: CLOUD_NODE_LIFECYCLE_CONTROLLER, eventKind: 'Node' }, deps);
    this.cloud = deps.cloud;
    this.nodes = deps.factory.informerFor<Node>('nodes');
    this.informers = [this.nodes];
    // Every node is checked again every period (Kubernetes' --node-monitor-period).
    this.everyPeriod(deps.monitorPeriodMs ?? 5_000, () => {
      for (const n of this.nodes.lister.list()) this.queue.add(n.metadata?.name ?? '');
    });
    const enqueue = (n: Node): void => this.queue.add(n.metadata?.name ?? '');
    this.nodes.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (n) => this.queue.forget(deletedObject(n).metadata?.name ?? '') });
  }

  override async run(signal: AbortSignal, workers = 1): Promise<void> {
    if (!this.cloud.instances()) {
      this.log.info({ cloud: this.cloud.name }, 'the cloud provider has no instances: nothing to do');
      return;
    }
    await super.run(signal, workers);
  }

  protected async sync(name: string): Promise<void> {
    const node = this.nodes.lister.get(name);
    const instances = this.cloud.instances();
    if (!node || !instances || node.metadata?.deletionTimestamp) return;
    if (readyStatus(node) === 'True') {
      if (hasTaint(node, TAINT_SHUTDOWN)) await this.setShutdownTaint(name, false);
      return;
    }
    if (await instances.instanceShutdown(node)) {
      if (!hasTaint(node, TAINT_SHUTDOWN)) {
        await this.setShutdownTaint(name, true);
        this.log.info({ node: name }, 'instance is shut down: tainted the node');
      }
      return;
    }
    if (await instances.instanceExists(node)) return;
    try {
      await this.client.nodes.delete(name, { preconditions: { uid: node.metadata!.uid! } });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    this.log.info({ node: name }, 'deleted a node whose instance no longer exists');
    this.recorder.event(nodeRef(node), 'Normal', 'DeletingNode', `Deleting node ${name} because it does not exist in the cloud provider`);
  }

  private async setShutdownTaint(name: string, on: boolean): Promise<void> {
    try {
      await retryOnConflict(
        async () => {
          const fresh = await this.client.nodes.get(name);
          if (hasTaint(fresh, TAINT_SHUTDOWN) === on) return fresh;
          const taints = withoutTaint(fresh.spec?.taints, TAINT_SHUTDOWN);
          if (on) taints.push({ key: TAINT_SHUTDOWN, effect: 'NoSchedule', timeAdded: metaTime(this.clock.now()) });
          return this.client.nodes.update({ ...fresh, spec: { ...fresh.spec, taints } });
        },
        { clock: this.clock },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
