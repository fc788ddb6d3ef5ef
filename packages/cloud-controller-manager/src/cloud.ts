/**
 * The cloud provider interface: what the cloud controllers ask of "the
 * cloud", so that a provider is a plug-in and the controllers never change
 * when one is added (Kubernetes' k8s.io/cloud-provider `Interface`, cut down
 * to what mk8s needs). A provider answers for three things:
 *
 * - Instances: does the machine behind a Node still exist, is it shut down,
 *   and what are its provider ID and addresses;
 * - Zones: where a machine lives (`topology.kubernetes.io/zone`/`region`);
 * - LoadBalancer: an external address for a Service of type LoadBalancer.
 *
 * Any of the three may be absent; the controller that needs it then does
 * nothing (and says so once in its log).
 */
import type { LoadBalancerIngress, Node, NodeAddress, Service } from '@mk8s/api';
import type { Clientset } from '@mk8s/client';

/** What the cloud knows about the machine behind a Node. */
export interface InstanceMetadata {
  /** `<provider>://<id>`, written to `spec.providerID`. */
  providerID: string;
  /** Replaces `status.addresses` when not empty. */
  addresses: NodeAddress[];
}

export interface Instances {
  /** False only when the cloud knows the machine is gone for good (its Node may then be deleted). */
  instanceExists(node: Node): Promise<boolean>;
  /** True while the machine exists but is stopped (its Node gets the shutdown taint). */
  instanceShutdown(node: Node): Promise<boolean>;
  instanceMetadata(node: Node): Promise<InstanceMetadata>;
}

export interface Zone {
  zone: string;
  region: string;
}

export interface Zones {
  zoneOf(node: Node): Promise<Zone>;
}

/** `status.loadBalancer` as the cloud reports it. */
export interface LoadBalancerStatus {
  ingress: LoadBalancerIngress[];
}

export interface LoadBalancer {
  /** The balancer the cloud holds for `service`, if any. */
  getLoadBalancer(service: Service): Promise<LoadBalancerStatus | undefined>;
  /**
   * Creates the balancer or brings it up to date (idempotent); resolves with
   * its status. Rejects when the cloud cannot provide one now, e.g. with
   * `LoadBalancerUnavailableError` when the address pool is exhausted.
   */
  ensureLoadBalancer(service: Service, nodes: readonly Node[]): Promise<LoadBalancerStatus>;
  /** The set of nodes behind an existing balancer changed. */
  updateLoadBalancer(service: Service, nodes: readonly Node[]): Promise<void>;
  /** Releases the balancer; succeeds when there is none. */
  ensureLoadBalancerDeleted(service: Service): Promise<void>;
}

/** The cloud cannot give `service` a balancer now; the service controller leaves it pending and retries. */
export class LoadBalancerUnavailableError extends Error {
  constructor(
    message: string,
    /** Short reason for the Warning Event. */
    readonly reason = 'LoadBalancerUnavailable',
  ) {
    super(message);
    this.name = 'LoadBalancerUnavailableError';
  }
}

export interface CloudProvider {
  /** The provider's name: `--cloud-provider NAME`, and the scheme of its provider IDs. */
  readonly name: string;
  /**
   * Called once the process leads, before any controller runs, with a client
   * of the cluster (Kubernetes' `Initialize`): a provider whose state lives
   * only in memory rebuilds it here from the API.
   */
  initialize?(client: Clientset, signal: AbortSignal): Promise<void>;
  instances(): Instances | undefined;
  zones(): Zones | undefined;
  loadBalancer(): LoadBalancer | undefined;
}

/** What `cloud-controller-manager` hands a provider factory. */
export interface CloudProviderConfig {
  /** `--cloud-config FILE`, when given. */
  configFile?: string;
  /** `--load-balancer-pool`, when given: where the provider's load balancer addresses come from. */
  loadBalancerPool?: string;
}

/** Builds a provider from its configuration. */
export type CloudProviderFactory = (config: CloudProviderConfig) => CloudProvider | Promise<CloudProvider>;

const providers = new Map<string, CloudProviderFactory>();

/** Makes `--cloud-provider name` available. A second registration of a name replaces the first. */
export function registerCloudProvider(name: string, factory: CloudProviderFactory): void {
  providers.set(name, factory);
}

export function cloudProviderNames(): string[] {
  return [...providers.keys()].sort();
}

export class UnknownCloudProviderError extends Error {}

/** The provider registered as `name`, built from `config`. */
export async function getCloudProvider(name: string, config: CloudProviderConfig = {}): Promise<CloudProvider> {
  const factory = providers.get(name);
  if (!factory) throw new UnknownCloudProviderError(`unknown cloud provider "${name}"; known: ${cloudProviderNames().join(', ') || '(none)'}`);
  return factory(config);
}

/** Taints and labels the cloud controllers own (Kubernetes' names). */
export const TAINT_UNINITIALIZED = 'node.cloudprovider.kubernetes.io/uninitialized';
export const TAINT_SHUTDOWN = 'node.cloudprovider.kubernetes.io/shutdown';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
/** Holds a LoadBalancer Service's deletion until its balancer is released. */
export const FINALIZER_LB_CLEANUP = 'service.kubernetes.io/load-balancer-cleanup';
