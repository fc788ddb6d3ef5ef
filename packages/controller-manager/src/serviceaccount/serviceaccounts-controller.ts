/**
 * The service-account controller (Kubernetes' pkg/controller/serviceaccount,
 * ServiceAccountsController): every active namespace has a ServiceAccount
 * `default`, created with the namespace and re-created when deleted.
 * Namespaces being deleted (Terminating) are left alone.
 */
import type { Namespace, ServiceAccount } from '@mk8s/api';
import { ControllerBase, deletedObject, isAlreadyExists, isForbidden, isNotFound, type ControllerDeps, type SharedInformer } from '@mk8s/client';

export interface ServiceAccountsControllerOptions extends ControllerDeps {
  /** The ServiceAccounts every namespace gets; default `['default']`. */
  serviceAccounts?: readonly string[];
}

export class ServiceAccountsController extends ControllerBase {
  protected readonly informers;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly serviceAccounts: SharedInformer<ServiceAccount>;
  private readonly names: readonly string[];

  constructor(opts: ServiceAccountsControllerOptions) {
    super({ name: 'serviceaccount' }, opts);
    this.names = opts.serviceAccounts ?? ['default'];
    this.namespaces = opts.factory.informerFor<Namespace>('namespaces');
    this.serviceAccounts = opts.factory.informerFor<ServiceAccount>('serviceaccounts');
    this.informers = [this.namespaces, this.serviceAccounts];
    const enqueueNs = (ns: Namespace): void => {
      if (ns.metadata?.name) this.queue.add(ns.metadata.name);
    };
    this.namespaces.addEventHandler({ onAdd: enqueueNs, onUpdate: (_o, ns) => enqueueNs(ns) });
    this.serviceAccounts.addEventHandler({
      onDelete: (sa) => {
        const meta = deletedObject(sa).metadata;
        if (meta?.namespace && this.names.includes(meta.name ?? '')) this.queue.add(meta.namespace);
      },
    });
  }

  protected async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.lister.get(namespace);
    if (!ns || ns.metadata?.deletionTimestamp || (ns.status?.phase ?? 'Active') !== 'Active') return;
    for (const name of this.names) {
      if (this.serviceAccounts.lister.namespace(namespace).get(name)) continue;
      try {
        await this.client
          .resource<ServiceAccount>('', 'v1', 'serviceaccounts')
          .inNamespace(namespace)
          .create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
        this.log.info({ namespace, serviceAccount: name }, 'created a service account');
      } catch (err) {
        // Already there (the cache lags), or the namespace is going away.
        if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) continue;
        throw err;
      }
    }
  }
}
