/**
 * The cloud node controller (Kubernetes' cloud-provider controllers/node):
 * a kubelet started for an external cloud registers its Node with the taint
 * `node.cloudprovider.kubernetes.io/uninitialized` (NoSchedule), so nothing is
 * scheduled there before the cloud has spoken. This controller asks the
 * provider for the machine's provider ID, addresses and zone, writes them
 * (`spec.providerID`, `status.addresses`, the `topology.kubernetes.io/zone`
 * and `region` labels) and then removes the taint.
 *
 * Level-triggered, keyed by node name; a failed provider call or write
 * requeues the node with backoff and leaves the taint in place. A node whose
 * machine no longer exists is left alone (the lifecycle controller deletes
 * it).
 */
import { deepEqual, type Node, type NodeAddress } from '@mk8s/api';
import { ControllerBase, deletedObject, isNotFound, retryOnConflict, type SharedInformer } from '@mk8s/client';
import { LABEL_REGION, LABEL_ZONE, TAINT_UNINITIALIZED, type CloudProvider } from '../cloud.js';
import { hasTaint, withoutTaint, type CloudControllerDeps } from '../util.js';

export const CLOUD_NODE_CONTROLLER = 'cloud-node-controller';

function addressesEqual(a: readonly NodeAddress[] | undefined, b: readonly NodeAddress[] | undefined): boolean {
  return deepEqual(a ?? [], b ?? []);
}

export class CloudNodeController extends ControllerBase {
  protected readonly informers;
  private readonly cloud: CloudProvider;
  private readonly nodes: SharedInformer<Node>;

  constructor(deps: CloudControllerDeps) {
    super({ name: 'cloud-node' }, deps);
    this.cloud = deps.cloud;
    this.nodes = deps.factory.informerFor<Node>('nodes');
    this.informers = [this.nodes];
    const enqueue = (n: Node): void => {
      if (hasTaint(n, TAINT_UNINITIALIZED)) this.queue.add(n.metadata?.name ?? '');
    };
    this.nodes.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (n) => this.queue.forget(deletedObject(n).metadata?.name ?? '') });
  }

  protected async sync(name: string): Promise<void> {
    const cached = this.nodes.lister.get(name);
    if (!cached || !hasTaint(cached, TAINT_UNINITIALIZED) || cached.metadata?.deletionTimestamp) return;
    const instances = this.cloud.instances();
    const zones = this.cloud.zones();
    if (instances && !(await instances.instanceExists(cached))) {
      this.log.info({ node: name }, 'not initializing a node whose instance no longer exists');
      return;
    }
    // Ask the cloud first: nothing is written unless every answer is in.
    const meta = instances ? await instances.instanceMetadata(cached) : undefined;
    const zone = zones ? await zones.zoneOf(cached) : undefined;
    try {
      if (meta && meta.addresses.length > 0 && !addressesEqual(cached.status?.addresses, meta.addresses)) {
        await retryOnConflict(
          async () => {
            const fresh = await this.client.nodes.get(name);
            return this.client.nodes.updateStatus({ ...fresh, status: { ...fresh.status, addresses: meta.addresses } });
          },
          { clock: this.clock },
        );
      }
      await retryOnConflict(
        async () => {
          const fresh = await this.client.nodes.get(name);
          if (!hasTaint(fresh, TAINT_UNINITIALIZED)) return fresh;
          const labels = { ...(fresh.metadata?.labels ?? {}) };
          if (zone?.zone) labels[LABEL_ZONE] = zone.zone;
          if (zone?.region) labels[LABEL_REGION] = zone.region;
          const spec = { ...fresh.spec, taints: withoutTaint(fresh.spec?.taints, TAINT_UNINITIALIZED) };
          // The provider ID is set once; a Node keeps the one it has.
          if (meta && !spec.providerID) spec.providerID = meta.providerID;
          return this.client.nodes.update({ ...fresh, metadata: { ...fresh.metadata, labels }, spec });
        },
        { clock: this.clock },
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    this.log.info({ node: name, providerID: meta?.providerID, zone: zone?.zone, region: zone?.region }, 'initialized node');
  }
}
