/**
 * The service load balancer controller (Kubernetes' cloud-provider
 * controllers/service): a Service of type LoadBalancer gets a balancer from
 * the cloud, shown in `status.loadBalancer.ingress`; when the Service is
 * deleted or changes type, the balancer is released and the status cleared.
 *
 * - The finalizer `service.kubernetes.io/load-balancer-cleanup` is added
 *   before a balancer is asked for, so a deleted Service waits until its
 *   balancer is gone (even when this controller was down at the time).
 * - When the cloud cannot provide one now (`LoadBalancerUnavailableError`,
 *   e.g. the pool is exhausted) the Service stays pending (no ingress) with a
 *   Warning Event `SyncLoadBalancerFailed`; it is retried whenever a
 *   balancer is released, and every `pendingRetryMs`.
 * - Services with `spec.loadBalancerClass` belong to another implementation
 *   and are left alone, as in Kubernetes.
 *
 * Level-triggered, keyed by `namespace/name`: reads the cache, asks the
 * cloud, writes only what differs. The balancer's node set is not
 * maintained (the local cloud answers on every node of this machine).
 */
import { errorMessage, type LoadBalancerIngress, type Node, type Service } from '@mk8s/api';
import { ControllerBase, deletedObject, isNotFound, objectKey, splitKey, type SharedInformer } from '@mk8s/client';
import { FINALIZER_LB_CLEANUP, LoadBalancerUnavailableError, type CloudProvider, type LoadBalancer } from '../cloud.js';
import { readyStatus, type CloudControllerDeps } from '../util.js';

export const SERVICE_LB_CONTROLLER = 'service-lb-controller';

export interface ServiceControllerOptions extends CloudControllerDeps {
  /** Pending Services are retried at least this often; default 30 s. */
  pendingRetryMs?: number;
}

/** Whether this controller should give `svc` a balancer. */
export function wantsLoadBalancer(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass && !svc.metadata?.deletionTimestamp;
}

function ingressEqual(a: readonly LoadBalancerIngress[] | undefined, b: readonly LoadBalancerIngress[] | undefined): boolean {
  const norm = (l: readonly LoadBalancerIngress[] | undefined): string => JSON.stringify((l ?? []).map((i) => [i.ip ?? '', i.hostname ?? '', i.ipMode ?? '']));
  return norm(a) === norm(b);
}

const hasFinalizer = (svc: Service): boolean => (svc.metadata?.finalizers ?? []).includes(FINALIZER_LB_CLEANUP);

export class ServiceController extends ControllerBase {
  protected readonly informers;
  private readonly cloud: CloudProvider;
  private readonly services: SharedInformer<Service>;
  private readonly nodes: SharedInformer<Node>;
  private readonly pendingRetryMs: number;
  /** Services waiting for the cloud (e.g. a free address). */
  private readonly pending = new Set<string>();

  constructor(deps: ServiceControllerOptions) {
    super({ name: 'service-lb', eventSource: 'service-controller', eventKind: 'Service' }, deps);
    this.cloud = deps.cloud;
    this.pendingRetryMs = deps.pendingRetryMs ?? 30_000;
    this.services = deps.factory.informerFor<Service>('services');
    this.nodes = deps.factory.informerFor<Node>('nodes');
    this.informers = [this.services, this.nodes];
    const enqueue = (s: Service): void => this.queue.add(objectKey(s));
    this.services.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (s) => enqueue(deletedObject(s)) });
  }

  override async run(signal: AbortSignal, workers = 1): Promise<void> {
    if (!this.cloud.loadBalancer()) {
      this.log.info({ cloud: this.cloud.name }, 'the cloud provider has no load balancers: nothing to do');
      return;
    }
    await super.run(signal, workers);
  }

  private releasedOne(): void {
    for (const key of this.pending) this.queue.add(key);
  }

  protected async sync(key: string): Promise<void> {
    const lb = this.cloud.loadBalancer();
    if (!lb) return;
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    const svc = this.services.lister.namespace(ns).get(name);
    if (!svc) {
      // Deleted without our finalizer (or it was removed by hand): release whatever is held.
      this.pending.delete(key);
      const stub: Service = { metadata: { namespace: ns, name } };
      if (await lb.getLoadBalancer(stub)) {
        await lb.ensureLoadBalancerDeleted(stub);
        this.releasedOne();
      }
      return;
    }
    if (wantsLoadBalancer(svc)) await this.ensure(key, svc, lb);
    else await this.release(key, svc, lb);
  }

  private async ensure(key: string, cached: Service, lb: LoadBalancer): Promise<void> {
    const api = this.client.services.inNamespace(cached.metadata?.namespace ?? '');
    let svc = cached;
    if (!hasFinalizer(svc)) {
      svc = await api.update({ ...svc, metadata: { ...svc.metadata, finalizers: [...(svc.metadata?.finalizers ?? []), FINALIZER_LB_CLEANUP] } });
    }
    const current = svc.status?.loadBalancer?.ingress;
    if (!current?.length && !this.pending.has(key)) this.recorder.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    const nodes = this.nodes.lister.list().filter((n) => readyStatus(n) === 'True');
    let status;
    try {
      status = await lb.ensureLoadBalancer(svc, nodes);
    } catch (err) {
      this.recorder.event(svc, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: ${errorMessage(err)}`);
      if (err instanceof LoadBalancerUnavailableError) {
        if (!this.pending.has(key)) this.log.warn({ service: key, reason: err.reason, err: err.message }, 'load balancer pending');
        this.pending.add(key);
        this.queue.addAfter(key, this.pendingRetryMs);
        return;
      }
      throw err;
    }
    this.pending.delete(key);
    if (ingressEqual(current, status.ingress)) return;
    await api.updateStatus({ ...svc, status: { ...svc.status, loadBalancer: { ingress: status.ingress } } });
    this.log.info({ service: key, ingress: status.ingress.map((i) => i.ip ?? i.hostname) }, 'ensured load balancer');
    this.recorder.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
  }

  private async release(key: string, cached: Service, lb: LoadBalancer): Promise<void> {
    this.pending.delete(key);
    const held = await lb.getLoadBalancer(cached);
    const shown = (cached.status?.loadBalancer?.ingress?.length ?? 0) > 0;
    if (!held && !shown && !hasFinalizer(cached)) return;
    if (held) {
      this.recorder.event(cached, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
      await lb.ensureLoadBalancerDeleted(cached);
      this.releasedOne();
      this.recorder.event(cached, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
      this.log.info({ service: key }, 'released load balancer');
    }
    const api = this.client.services.inNamespace(cached.metadata?.namespace ?? '');
    let svc = cached;
    try {
      if (shown && !svc.metadata?.deletionTimestamp) svc = await api.updateStatus({ ...svc, status: { ...svc.status, loadBalancer: {} } });
      if (hasFinalizer(svc)) {
        await api.update({ ...svc, metadata: { ...svc.metadata, finalizers: (svc.metadata?.finalizers ?? []).filter((f) => f !== FINALIZER_LB_CLEANUP) } });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
