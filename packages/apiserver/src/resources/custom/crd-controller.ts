/**
 * Serves what the stored CustomResourceDefinitions define, in this API
 * server (each API server of an HA control plane runs its own): a CRD's
 * change reaches the catalog as soon as the watch cache sees it, so its
 * resource is served within a second of the create.
 *
 * Level-triggered: every event (and a cache rebuild) queues the CRD's name;
 * `sync(name)` reads the cache and converges:
 * - a live CRD: its served versions replace what it served before, or, when
 *   another CRD or a built-in kind already serves one of its names, nothing
 *   and `NamesAccepted=False`; status gets `NamesAccepted`, `Established`,
 *   `acceptedNames` and `storedVersions`, written only when they change;
 * - a CRD being deleted: `Terminating=True`, every object of it is deleted
 *   from the store, the resource stops being served, then the
 *   `customresourcecleanup.apiextensions.k8s.io` finalizer goes and the
 *   CRD with it;
 * - a deleted CRD: no longer served.
 * Each sync also hands the custom resources served to `servedChanged` (a
 * new one before it is served, a removed one after it stopped being
 * served): with RBAC, auth sets the rules of the controller manager's
 * `system:controller:custom-resources` ClusterRole to them
 * (auth/bootstrap-policy.ts, `reconcileCustomResourcesRole`), so the
 * namespace controller and the garbage collector may list, watch and delete
 * the custom resources discovery shows them, and nothing more.
 * A failed sync is retried with backoff (controllers/key-queue.ts).
 */
import { errorMessage, metaTime, resourceFor, type CustomResourceDefinition, type CustomResourceDefinitionCondition } from '@mk8s/api';
import { KeyNotFoundError, type Store } from '@mk8s/storage';
import type { FastifyBaseLogger } from 'fastify';
import type { WatchCache } from '../../cache/watch-cache.js';
import type { Registry } from '../../registry/registry.js';
import { listPrefix, objectKey } from '../../registry/keys.js';
import { KeyQueue } from '../../controllers/key-queue.js';
import type { Obj, ResourceDefinition } from '../definition.js';
import { definitionsFor } from './definitions.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const CRDS = 'customresourcedefinitions';

export interface CrdControllerDeps {
  registry: Registry;
  cache: WatchCache;
  store: Store;
  now: () => number;
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  /**
   * Told every custom resource served, when a sync may change it: before a
   * CRD is served (with it) and after (`Auth.customResourcesServed`).
   * Resolves true when it wrote something; a rejection fails the sync.
   */
  servedChanged?: (served: Array<{ group: string; resource: string }>) => Promise<boolean>;
}

function condition(
  type: string,
  status: boolean,
  reason: string,
  message: string,
  now: string,
  previous?: CustomResourceDefinitionCondition,
): CustomResourceDefinitionCondition {
  const value = status ? 'True' : 'False';
  return {
    type,
    status: value,
    lastTransitionTime: previous?.status === value ? (previous.lastTransitionTime ?? now) : now,
    reason,
    message,
  };
}

export class CrdController {
  private readonly crdType = resourceFor('apiextensions.k8s.io', 'v1', CRDS)!;
  private unsubscribe: (() => void) | undefined;
  private readonly queue: KeyQueue;

  constructor(private readonly deps: CrdControllerDeps) {
    this.queue = new KeyQueue((name) => this.sync(name), {
      onError: (crd, err) => deps.log.warn({ err, crd }, 'custom resource definition sync failed; retrying'),
    });
  }

  /** Serves every stored CRD (the catalog is complete when this resolves), then follows changes. */
  async start(): Promise<void> {
    await this.deps.cache.fresh();
    const sub = this.deps.cache.subscribe(CRDS, undefined, (ev) => {
      if (ev.revision === -1) for (const crd of this.list()) this.enqueue(this.nameOf(crd));
      else this.enqueue(this.nameOf(ev.object));
    })!;
    this.unsubscribe = sub.unsubscribe;
    for (const crd of this.list()) {
      const definitions = this.servable(crd as unknown as CustomResourceDefinition);
      if (definitions) this.serve(this.nameOf(crd), definitions);
    }
    // Also when no CRD is left to sync: rights on resources no longer served go.
    await this.reportServed().catch((err: unknown) =>
      this.deps.log.warn({ err: errorMessage(err) }, 'could not update the rights on custom resources; the next sync retries'),
    );
    for (const crd of this.list()) this.enqueue(this.nameOf(crd));
    await this.queue.idle();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.queue.stop();
  }

  private list(): Obj[] {
    return this.deps.cache.list(CRDS, listPrefix(CRDS));
  }

  private nameOf(obj: Obj): string {
    return String(((obj['metadata'] ?? {}) as Obj)['name'] ?? '');
  }

  private enqueue(name: string): void {
    this.queue.add(name);
  }

  /** A CRD's definitions, unless one of its resources is already served by a built-in kind or another CRD (what `catalog.replace` refuses). */
  private servable(crd: CustomResourceDefinition): ResourceDefinition[] | undefined {
    const catalog = this.deps.registry.catalog;
    let definitions: ResourceDefinition[];
    try {
      definitions = definitionsFor(crd);
    } catch {
      return undefined;
    }
    const own = catalog.ownedBy(this.nameOf(crd as unknown as Obj));
    const taken = definitions.some((d) => {
      const existing = catalog.lookup(d.type.group, d.type.version, d.type.resource);
      return existing !== undefined && !own.includes(existing);
    });
    return taken ? undefined : definitions;
  }

  /** Puts a CRD's versions in the catalog; false when one of its names is taken. */
  private serve(name: string, definitions: ResourceDefinition[]): boolean {
    try {
      this.deps.registry.catalog.replace(name, definitions);
      return true;
    } catch {
      return false;
    }
  }

  async sync(name: string): Promise<void> {
    const crd = this.deps.cache.get(CRDS, objectKey(CRDS, undefined, name)) as unknown as CustomResourceDefinition | undefined;
    if (!crd) {
      this.deps.registry.catalog.replace(name, []);
      await this.reportServed();
      return;
    }
    if (crd.metadata?.deletionTimestamp) return this.finalize(crd);
    // Rights before serving: a client that discovers the resource (the
    // controller manager) may use it at once, and whoever waits for
    // Established finds them in place.
    const definitions = this.servable(crd);
    if (definitions) await this.reportServed({ name, definitions });
    const accepted = definitions !== undefined && this.serve(name, definitions);
    await this.reportServed();
    await this.updateStatus(name, (status, now) => {
      const previous = status.conditions ?? [];
      const prev = (type: string) => previous.find((c) => c.type === type);
      const names = accepted
        ? condition('NamesAccepted', true, 'NoConflicts', 'no conflicts found', now, prev('NamesAccepted'))
        : condition('NamesAccepted', false, 'NameConflict', `"${crd.spec.names.plural}" is already in use`, now, prev('NamesAccepted'));
      const established = accepted
        ? condition('Established', true, 'InitialNamesAccepted', 'the initial names have been accepted', now, prev('Established'))
        : condition('Established', false, 'NotAccepted', 'not all names are accepted', now, prev('Established'));
      const storage = crd.spec.versions.find((v) => v.storage)?.name;
      const stored = [...(status.storedVersions ?? [])];
      if (storage && !stored.includes(storage)) stored.push(storage);
      return {
        ...status,
        conditions: [names, established, ...previous.filter((c) => c.type !== 'NamesAccepted' && c.type !== 'Established')],
        acceptedNames: accepted
          ? {
              ...crd.spec.names,
              listKind: crd.spec.names.listKind ?? `${crd.spec.names.kind}List`,
              singular: crd.spec.names.singular ?? crd.spec.names.kind.toLowerCase(),
            }
          : (status.acceptedNames ?? { plural: '', kind: '' }),
        storedVersions: stored,
      };
    });
  }

  /** Deletes every object of a CRD being deleted, stops serving it, then releases the CRD. */
  private async finalize(crd: CustomResourceDefinition): Promise<void> {
    const name = this.nameOf(crd as unknown as Obj);
    if (!(crd.metadata?.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) {
      this.deps.registry.catalog.replace(name, []);
      await this.reportServed();
      return;
    }
    await this.updateStatus(name, (status, now) => ({
      ...status,
      conditions: [
        ...(status.conditions ?? []).filter((c) => c.type !== 'Terminating'),
        condition('Terminating', true, 'InstanceDeletionInProgress', 'CustomResource deletion is in progress', now),
      ],
    }));
    const prefix = listPrefix(`${crd.spec.names.plural}.${crd.spec.group}`);
    // Each pass lists what is left, so objects created while earlier ones were deleted go too.
    for (;;) {
      const page = await this.deps.store.list(prefix, { limit: 500 });
      if (page.items.length === 0) break;
      for (const kv of page.items) {
        await this.deps.store.delete(kv.key).catch((err: unknown) => {
          if (!(err instanceof KeyNotFoundError)) throw err;
        });
      }
    }
    this.deps.registry.catalog.replace(name, []);
    await this.reportServed();
    await this.deps.registry.mutateRaw(this.crdType, undefined, name, (current) => {
      const meta = current['metadata'] as Obj;
      const finalizers = ((meta['finalizers'] as string[] | undefined) ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
      if (finalizers.length === 0) delete meta['finalizers'];
      else meta['finalizers'] = finalizers;
      return current;
    });
  }

  /**
   * Hands what is served (every resource of every CRD in the catalog, or
   * `next`'s definitions for its CRD, about to be served) to
   * `servedChanged`, then waits until this server's cache, which
   * authorization reads, holds what `servedChanged` wrote.
   */
  private async reportServed(next?: { name: string; definitions: readonly ResourceDefinition[] }): Promise<void> {
    if (!this.deps.servedChanged) return;
    const served = this.list().flatMap((crd) => {
      const name = this.nameOf(crd);
      const definitions = name === next?.name ? next.definitions : this.deps.registry.catalog.ownedBy(name);
      return definitions.map(({ type }) => ({ group: type.group, resource: type.resource }));
    });
    const wrote = await this.deps.servedChanged(served);
    if (wrote) await this.deps.cache.fresh();
  }

  private async updateStatus(
    name: string,
    change: (status: NonNullable<CustomResourceDefinition['status']>, now: string) => NonNullable<CustomResourceDefinition['status']>,
  ): Promise<void> {
    const now = metaTime(this.deps.now());
    await this.deps.registry.mutateRaw(this.crdType, undefined, name, (current) => {
      const status = (current['status'] ?? {}) as NonNullable<CustomResourceDefinition['status']>;
      current['status'] = change(status, now);
      return current;
    });
  }
}
