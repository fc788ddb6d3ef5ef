/**
 * The `local` cloud provider: the "cloud" is this machine. Its instances are
 * the nodes the mk8s launcher started, as listed in the inventory file the
 * launcher keeps (`--cloud-config`, see inventory.ts); its load balancers are
 * addresses from a local pool (see pool.ts) that kube-proxy serves.
 *
 * - A node the inventory does not list is not this cloud's: it is taken to
 *   exist and to run (never deleted, never tainted), with provider ID
 *   `mk8s://<name>` and the addresses its kubelet reported.
 * - `removed` means gone for good (the Node may be deleted); `stopped` means
 *   shut down (the Node gets the shutdown taint while NotReady).
 * - Load balancer addresses live only in memory; `initialize` rebuilds them
 *   from the Services' `status.loadBalancer`, so a restart keeps them.
 */
import type { Node, Service } from '@mk8s/api';
import type { Clientset } from '@mk8s/client';
import {
  LoadBalancerUnavailableError,
  type CloudProvider,
  type InstanceMetadata,
  type Instances,
  type LoadBalancer,
  type LoadBalancerStatus,
  type Zone,
  type Zones,
} from '../../cloud.js';
import { DEFAULT_REGION, DEFAULT_ZONE, readInventory, type Inventory, type InventoryInstance } from './inventory.js';
import { AddressPool, DEFAULT_LOAD_BALANCER_POOL } from './pool.js';

export const LOCAL_PROVIDER_NAME = 'local';
export const LOCAL_PROVIDER_ID_SCHEME = 'mk8s';

export interface LocalCloudOptions {
  /** The inventory file; without one every node is unknown (exists, runs). */
  inventoryFile?: string;
  /** CIDR or FIRST-LAST; default 127.240.0.0/24. */
  loadBalancerPool?: string;
}

const serviceKey = (svc: Service): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;

export class LocalCloudProvider implements CloudProvider, Instances, Zones, LoadBalancer {
  readonly name = LOCAL_PROVIDER_NAME;
  readonly pool: AddressPool;

  constructor(private readonly opts: LocalCloudOptions = {}) {
    this.pool = new AddressPool(opts.loadBalancerPool ?? DEFAULT_LOAD_BALANCER_POOL);
  }

  /** Claims the addresses Services already show (a restart keeps every allocation). */
  async initialize(client: Clientset): Promise<void> {
    const services = await client.services.listAll();
    this.restore(services.items);
  }

  /** Claims, for each LoadBalancer Service, the pool address its status shows. */
  restore(services: readonly Service[]): void {
    for (const svc of services) {
      if (svc.spec?.type !== 'LoadBalancer' || svc.spec.loadBalancerClass) continue;
      for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip && this.pool.claim(serviceKey(svc), ing.ip)) break;
    }
  }

  instances(): Instances {
    return this;
  }

  zones(): Zones {
    return this;
  }

  loadBalancer(): LoadBalancer {
    return this;
  }

  private async inventory(): Promise<Inventory> {
    return this.opts.inventoryFile ? readInventory(this.opts.inventoryFile) : { instances: {} };
  }

  private async instance(node: Node): Promise<{ inv: Inventory; inst: InventoryInstance | undefined }> {
    const inv = await this.inventory();
    return { inv, inst: inv.instances[node.metadata?.name ?? ''] };
  }

  async instanceExists(node: Node): Promise<boolean> {
    return (await this.instance(node)).inst?.state !== 'removed';
  }

  async instanceShutdown(node: Node): Promise<boolean> {
    return (await this.instance(node)).inst?.state === 'stopped';
  }

  async instanceMetadata(node: Node): Promise<InstanceMetadata> {
    const { inst } = await this.instance(node);
    const name = node.metadata?.name ?? '';
    return {
      providerID: `${LOCAL_PROVIDER_ID_SCHEME}://${name}`,
      addresses: inst?.addresses?.map((a) => ({ ...a })) ?? (node.status?.addresses ?? []).map((a) => ({ ...a })),
    };
  }

  async zoneOf(node: Node): Promise<Zone> {
    const { inv, inst } = await this.instance(node);
    return { zone: inst?.zone ?? inv.zone ?? DEFAULT_ZONE, region: inst?.region ?? inv.region ?? DEFAULT_REGION };
  }

  async getLoadBalancer(service: Service): Promise<LoadBalancerStatus | undefined> {
    const ip = this.pool.addressOf(serviceKey(service));
    return ip ? { ingress: [{ ip, ipMode: 'VIP' }] } : undefined;
  }

  async ensureLoadBalancer(service: Service): Promise<LoadBalancerStatus> {
    const key = serviceKey(service);
    const requested = service.spec?.loadBalancerIP;
    if (requested) {
      if (!this.pool.contains(requested))
        throw new LoadBalancerUnavailableError(`requested loadBalancerIP ${requested} is not in the pool ${this.pool.spec}`, 'LoadBalancerIPNotInPool');
      if (!this.pool.claim(key, requested))
        throw new LoadBalancerUnavailableError(`requested loadBalancerIP ${requested} is in use by ${this.pool.ownerOf(requested)}`, 'LoadBalancerIPInUse');
    } else if (!this.pool.addressOf(key)) {
      // Keep the address the Service already shows when it is still free (e.g. one given out before a restart).
      const shown = service.status?.loadBalancer?.ingress?.find((i) => i.ip && this.pool.claim(key, i.ip));
      if (!shown && this.pool.allocate(key) === undefined) {
        throw new LoadBalancerUnavailableError(
          `no free address in the load balancer pool ${this.pool.spec} (${this.pool.used} of ${this.pool.size} in use)`,
          'LoadBalancerPoolExhausted',
        );
      }
    }
    return (await this.getLoadBalancer(service))!;
  }

  /** Every node of this machine answers on the address: nothing to change. */
  async updateLoadBalancer(): Promise<void> {}

  async ensureLoadBalancerDeleted(service: Service): Promise<void> {
    this.pool.release(serviceKey(service));
  }
}
