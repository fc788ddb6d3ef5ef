/**
 * The namespace controller (Kubernetes' `pkg/controller/namespace`): a
 * namespace being deleted (`deletionTimestamp`, phase Terminating, the
 * `kubernetes` finalizer in `spec.finalizers`) has everything in it deleted;
 * while content remains its status carries Kubernetes' deletion conditions
 * and it is looked at again after `recheckMs`; once empty, the `kubernetes`
 * finalizer is removed through `namespaces/{name}/finalize` and the API
 * server lets the namespace go.
 *
 * What is in a namespace is whatever the API server's discovery says it
 * serves, read again on every sync (as Kubernetes' NamespacedResourcesDeleter
 * does), so custom resources of a CRD created a moment ago go too: every
 * namespaced resource that can be listed and deleted. Content is deleted
 * with one DELETE of each collection (or of each object, for a resource
 * without deletecollection), with background propagation so the garbage
 * collector and finalizers run as usual, then listed live to see what is
 * left: caches are not trusted to say a namespace is empty. A group version
 * discovery cannot read keeps the namespace (NamespaceDeletionDiscoveryFailure)
 * until it can be read, since its content would go unseen.
 */
import { errorMessage, cloneJson, metaTime, type Namespace } from '@mk8s/api';
import { ControllerBase, deletedObject, isMethodNotAllowed, isNotFound, type ControllerDeps, type KubeObject, type SharedInformer } from '@mk8s/client';
import { describeFailures, discoverResources, hasVerbs, type ApiResource, type DiscoveredResources } from '../util/discovery.js';
import { deletionConditions, mergeConditions, type DeletionReport } from './namespace-conditions.js';

export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceControllerOptions extends ControllerDeps {
  /** How soon a namespace whose content is still going is looked at again; default 1 s. */
  recheckMs?: number;
  /** What the API serves; default the server's discovery (`discoverResources`). */
  discover?: (signal: AbortSignal) => Promise<DiscoveredResources>;
}

/** A resource the controller empties: namespaced, listable, and deletable one way or the other. */
const deletable = (r: ApiResource): boolean => r.namespaced && hasVerbs(r, 'list') && (hasVerbs(r, 'deletecollection') || hasVerbs(r, 'delete'));

export class NamespaceController extends ControllerBase {
  protected readonly informers;
  private readonly recheckMs: number;
  private readonly discover: (signal: AbortSignal) => Promise<DiscoveredResources>;
  private readonly namespaces: SharedInformer<Namespace>;

  constructor(opts: NamespaceControllerOptions) {
    super({ name: 'namespace' }, opts);
    this.recheckMs = opts.recheckMs ?? 1_000;
    this.discover = opts.discover ?? ((signal) => discoverResources(this.client, signal));
    this.namespaces = opts.factory.informerFor<Namespace>('namespaces');
    this.informers = [this.namespaces];
    const enqueue = (ns: Namespace): void => this.queue.add(ns.metadata?.name ?? '');
    this.namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (n) => enqueue(deletedObject(n)) });
  }

  protected async sync(name: string, signal: AbortSignal): Promise<void> {
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

    let resources: ApiResource[] = [];
    let undiscovered: string[];
    try {
      const discovered = await this.discover(signal);
      resources = discovered.resources.filter(deletable);
      undiscovered = describeFailures(discovered.failures);
    } catch (err) {
      if (signal.aborted) throw err;
      undiscovered = [`/api, /apis: ${errorMessage(err)}`];
    }
    const report = await this.deleteContent(name, resources);
    report.discoveryFailures = undiscovered;
    if (report.remaining.size === 0 && report.failures.length === 0 && undiscovered.length === 0) {
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
    const failures = [...report.failures, ...undiscovered.map((f) => `discovery: ${f}`)];
    if (failures.length > 0) throw new Error(`namespace ${name}: ${failures.join('; ')}`);
    this.queue.addAfter(name, this.recheckMs);
  }

  /** Deletes every collection of `resources` in the namespace, then counts what is left (and what holds it). */
  private async deleteContent(namespace: string, resources: readonly ApiResource[]): Promise<DeletionReport> {
    const report: DeletionReport = { remaining: new Map(), finalizers: new Map(), failures: [] };
    for (const r of resources) {
      const rc = this.client.resource<KubeObject>(r.group, r.version, r.resource, { namespaced: true }).inNamespace(namespace);
      // Kubernetes' wording, `pods.` for the core group.
      const label = `${r.resource}.${r.group}`;
      const deleteEach = async (): Promise<void> => {
        for (const o of (await rc.list()).items) {
          await rc.delete(o.metadata!.name!, { propagationPolicy: 'Background' }).catch((e: unknown) => {
            if (!isNotFound(e)) throw e;
          });
        }
      };
      try {
        if (!hasVerbs(r, 'deletecollection')) await deleteEach();
        else {
          try {
            await rc.deleteCollection({ propagationPolicy: 'Background' });
          } catch (err) {
            if (!isMethodNotAllowed(err)) throw err;
            await deleteEach();
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
