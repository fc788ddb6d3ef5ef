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
import type { Node } from '@mk8s/api';
import {
  ApiEventRecorder,
  createController,
  deletedObject,
  isConflict,
  isNotFound,
  RateLimitingQueue,
  realClock,
  retryOnConflict,
  silentLogger,
  type Clientset,
  type Clock,
  type ControllerLogger,
  type ControllerOptions,
  type EventRecorder,
  type SharedInformer,
} from '@mk8s/client';
import { TAINT_SHUTDOWN, type CloudProvider } from '../cloud.js';
import { hasTaint, nodeRef, readyStatus, withoutTaint, type CloudControllerDeps } from '../util.js';

export const CLOUD_NODE_LIFECYCLE_CONTROLLER = 'cloud-node-lifecycle-controller';

export interface CloudNodeLifecycleOptions extends CloudControllerDeps {
  /** How often every node is checked; default 5 s (Kubernetes' --node-monitor-period). */
  monitorPeriodMs?: number;
}

export class CloudNodeLifecycleController {
  private readonly client: Clientset;
  private readonly cloud: CloudProvider;
  private readonly log: ControllerLogger;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;
  private readonly nodes: SharedInformer<Node>;
  private readonly queue: RateLimitingQueue<string>;
  private readonly options: Omit<ControllerOptions, 'workers'>;
  private readonly periodMs: number;

  constructor(deps: CloudNodeLifecycleOptions) {
    this.client = deps.client;
    this.cloud = deps.cloud;
    this.log = deps.log ?? silentLogger;
    this.clock = deps.clock ?? realClock;
    this.periodMs = deps.monitorPeriodMs ?? 5_000;
    this.recorder = deps.recorder ?? new ApiEventRecorder({ client: deps.client, component: CLOUD_NODE_LIFECYCLE_CONTROLLER, clock: this.clock, log: this.log, defaultKind: 'Node' });
    this.nodes = deps.factory.informerFor<Node>('nodes');
    const metrics = deps.metrics ? { metrics: deps.metrics } : {};
    this.queue = new RateLimitingQueue<string>({ name: 'cloud-node-lifecycle', clock: this.clock, ...metrics });
    this.options = { name: 'cloud-node-lifecycle', informers: [this.nodes], sync: (k) => this.sync(k), queue: this.queue, clock: this.clock, log: this.log, ...metrics };
    const enqueue = (n: Node): void => this.queue.add(n.metadata?.name ?? '');
    this.nodes.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (n) => this.queue.forget(deletedObject(n).metadata?.name ?? '') });
  }

  async run(signal: AbortSignal, workers = 1): Promise<void> {
    if (!this.cloud.instances()) {
      this.log.info({ controller: CLOUD_NODE_LIFECYCLE_CONTROLLER, cloud: this.cloud.name }, 'the cloud provider has no instances: nothing to do');
      return;
    }
    await Promise.all([createController({ ...this.options, workers }).run(signal), this.monitor(signal)]);
  }

  private async monitor(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.clock.sleep(this.periodMs, signal);
      } catch {
        return;
      }
      for (const n of this.nodes.lister.list()) this.queue.add(n.metadata?.name ?? '');
    }
  }

  private async sync(name: string): Promise<void> {
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
        this.log.info({ controller: CLOUD_NODE_LIFECYCLE_CONTROLLER, node: name }, 'instance is shut down: tainted the node');
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
    this.log.info({ controller: CLOUD_NODE_LIFECYCLE_CONTROLLER, node: name }, 'deleted a node whose instance no longer exists');
    this.recorder.event(nodeRef(node), 'Normal', 'DeletingNode', `Deleting node ${name} because it does not exist in the cloud provider`);
  }

  private async setShutdownTaint(name: string, on: boolean): Promise<void> {
    try {
      await retryOnConflict(
        async () => {
          const fresh = await this.client.nodes.get(name);
          if (hasTaint(fresh, TAINT_SHUTDOWN) === on) return fresh;
          const taints = withoutTaint(fresh.spec?.taints, TAINT_SHUTDOWN);
          if (on) taints.push({ key: TAINT_SHUTDOWN, effect: 'NoSchedule', timeAdded: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') });
          return this.client.nodes.update({ ...fresh, spec: { ...fresh.spec, taints } });
        },
        { clock: this.clock },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
