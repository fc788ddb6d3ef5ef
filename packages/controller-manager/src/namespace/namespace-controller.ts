/**
 * The namespace controller (Kubernetes' `pkg/controller/namespace`): a
 * namespace being deleted (`deletionTimestamp`, phase Terminating, the
 * `kubernetes` finalizer in `spec.finalizers`) has everything in it deleted;
 * while content remains its status carries Kubernetes' deletion conditions
 * and it is looked at again after `recheckMs`; once empty, the `kubernetes`
 * finalizer is removed through `namespaces/{name}/finalize` and the API
 * server lets the namespace go.
 *
 * Content is deleted with one DELETE of each namespaced collection the API
 * serves (background propagation, so the garbage collector and finalizers
 * run as usual), then listed live to see what is left: caches are not
 * trusted to say a namespace is empty.
 */
import { errorMessage, RESOURCE_TYPES, cloneJson, metaTime, type Namespace, type ResourceType } from '@mk8s/api';
import { ControllerBase, deletedObject, isMethodNotAllowed, isNotFound, type ControllerDeps, type KubeObject, type SharedInformer } from '@mk8s/client';
import { deletionConditions, mergeConditions, type DeletionReport } from './namespace-conditions.js';

export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceControllerOptions extends ControllerDeps {
  /** How soon a namespace whose content is still going is looked at again; default 1 s. */
  recheckMs?: number;
  /** The namespaced resources to empty; default every namespaced resource the API serves. */
  resources?: readonly ResourceType[];
}

export class NamespaceController extends ControllerBase {
  protected readonly informers;
  private readonly recheckMs: number;
  private readonly resources: readonly ResourceType[];
  private readonly namespaces: SharedInformer<Namespace>;

  constructor(opts: NamespaceControllerOptions) {
    super({ name: 'namespace' }, opts);
    this.recheckMs = opts.recheckMs ?? 1_000;
    this.resources = opts.resources ?? RESOURCE_TYPES.filter((r) => r.namespaced);
    this.namespaces = opts.factory.informerFor<Namespace>('namespaces');
    this.informers = [this.namespaces];
    const enqueue = (ns: Namespace): void => this.queue.add(ns.metadata?.name ?? '');
    this.namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (n) => enqueue(deletedObject(n)) });
  }

  protected async sync(name: string): Promise<void> {
    const cached = this.namespaces.lister.get(name);
    if (!cached?.metadata?.deletionTimestamp || !(cached.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;
    let ns: Namespace;
    try {
      ns = await this.client.namespaces.get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;

    const report = await this.deleteContent(name);
    if (report.remaining.size === 0 && report.failures.length === 0) {
      await this.finalize(ns);
      this.log.info({ namespace: name }, 'namespace emptied and finalized');
      return;
    }
    const conditions = mergeConditions(ns.status?.conditions, deletionConditions(report), metaTime(this.clock.now()));
    if (conditions) {
      const next = cloneJson(ns);
      next.status = { ...next.status, phase: 'Terminating', conditions };
      try {
        await this.client.namespaces.updateStatus(next);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (report.failures.length > 0) throw new Error(`namespace ${name}: ${report.failures.join('; ')}`);
    this.queue.addAfter(name, this.recheckMs);
  }

  /** Deletes every collection in the namespace, then counts what is left (and what holds it). */
  private async deleteContent(namespace: string): Promise<DeletionReport> {
    const report: DeletionReport = { remaining: new Map(), finalizers: new Map(), failures: [] };
    for (const rt of this.resources) {
      const rc = this.client.resource<KubeObject>(rt.group, rt.version, rt.resource, { namespaced: true }).inNamespace(namespace);
      const label = `${rt.resource}.${rt.group}`;
      try {
        try {
          await rc.deleteCollection({ propagationPolicy: 'Background' });
        } catch (err) {
          if (!isMethodNotAllowed(err)) throw err;
          for (const o of (await rc.list()).items) {
            await rc.delete(o.metadata!.name!, { propagationPolicy: 'Background' }).catch((e: unknown) => {
              if (!isNotFound(e)) throw e;
            });
          }
        }
        const left = (await rc.list()).items;
        if (left.length > 0) report.remaining.set(label, left.length);
        for (const o of left) {
          for (const f of o.metadata?.finalizers ?? []) report.finalizers.set(f, (report.finalizers.get(f) ?? 0) + 1);
        }
      } catch (err) {
        if (isNotFound(err)) continue;
        report.failures.push(`${label}: ${errorMessage(err)}`);
      }
    }
    return report;
  }

  /** Removes the `kubernetes` finalizer through the finalize subresource; the API server deletes the namespace when none is left. */
  private async finalize(ns: Namespace): Promise<void> {
    const next = cloneJson(ns);
    next.spec = { ...next.spec, finalizers: (next.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) };
    try {
      await this.client.transport.request({
        method: 'PUT',
        path: this.client.namespaces.path({ name: ns.metadata!.name!, subresource: 'finalize' }),
        body: next,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
