/**
 * The garbage collector (Kubernetes' `pkg/controller/garbagecollector`):
 * cascading deletion by ownerReferences across the monitored resources.
 *
 * - Background: a dependent whose owners are all gone is deleted; one with
 *   another live owner only loses its references to the dead ones.
 * - Foreground: an owner with `deletionTimestamp` and the `foregroundDeletion`
 *   finalizer has its dependents deleted; once no dependent that blocks it
 *   (`blockOwnerDeletion: true`) remains, the finalizer is removed and the
 *   owner goes.
 * - Orphan: an owner with the `orphan` finalizer has its references removed
 *   from its dependents, then the finalizer, so the dependents live on.
 *
 * The monitored resources are what the API server's discovery lists with
 * the list, watch and delete verbs (custom resources included), but for
 * `ignoredResources`; discovery is read again every `discoveryResyncMs`
 * (Kubernetes' 30 s), so a resource served later is monitored from then on
 * and one no longer served stops being monitored. Built-in kinds share the
 * informers of the other controllers; custom resources get informers of
 * their own, stopped when their resource goes.
 *
 * Level-triggered, keyed by uid: every change to a monitored object enqueues
 * its uid (and the uids of its owners, and on deletion of its dependents).
 * A sync reads the caches; an owner that the cache says is gone is confirmed
 * gone with a live GET (and the dependent re-read live) before anything is
 * deleted, and deletes carry a uid precondition, so an object whose owner
 * exists is never deleted. An owner of a kind discovery does not list (yet)
 * is never judged absent: the dependent is retried with backoff, as
 * Kubernetes does, until a later discovery knows the kind. Orphan and
 * foreground finalizers, which act on the dependents in the caches, wait
 * until every monitor's cache has synced (or has tried for
 * `MONITOR_SYNC_TIMEOUT_MS`).
 */
import { errorMessage, deepEqual, RESOURCE_TYPES } from '@mk8s/api';
import {
  ControllerBase,
  SharedInformer,
  deletedObject,
  every,
  isConflict,
  isNotFound,
  type ControllerDeps,
  type EventHandlerRegistration,
  type HasSynced,
  type KubeObject,
  type ResourceClient,
  type SharedInformerFactory,
} from '@mk8s/client';
import { describeFailures, discoverResources, groupResource, hasVerbs, type ApiResource } from '../util/discovery.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, decide, ownerState, type OwnerState } from './decide.js';
import {
  OwnerGraph,
  UID_INDEX,
  graphIndexers,
  groupOf,
  refersTo,
  type GraphNode,
  type GraphResource,
  type GraphSource,
  type OwnerReference,
} from './owner-graph.js';

/**
 * Never monitored, as `resource.group` (`resource` in the core group). Events
 * in both groups, as Kubernetes' default. RBAC objects and CRDs too: the
 * controller manager's identity deliberately may not patch or delete them
 * (docs/security.md, the controller roles), so the collector leaves them be.
 */
export const DEFAULT_GC_IGNORED_RESOURCES: readonly string[] = [
  'events',
  'events.events.k8s.io',
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'clusterroles.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
  'customresourcedefinitions.apiextensions.k8s.io',
];

/** Kubernetes' garbage collector re-reads discovery this often. */
export const DEFAULT_GC_DISCOVERY_RESYNC_MS = 30_000;

/** How long a new monitor whose cache has not synced holds orphan and foreground deletions (Kubernetes' GC sync timeout). */
export const MONITOR_SYNC_TIMEOUT_MS = 30_000;

/** Until the first discovery succeeds, it is retried this often. */
const DISCOVERY_RETRY_MS = 1_000;

export interface GarbageCollectorOptions extends ControllerDeps {
  /** Resources never monitored (`events`, `widgets.example.com`); default `DEFAULT_GC_IGNORED_RESOURCES`. */
  ignoredResources?: readonly string[];
  /** How often discovery is read again; default `DEFAULT_GC_DISCOVERY_RESYNC_MS`. */
  discoveryResyncMs?: number;
}

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean => deepEqual(a ?? [], b ?? []);

/**
 * The informer name under which `listerWatchersFor` serves the same group,
 * version and resource, preferring the plain plural other controllers use
 * (so their informers are shared); undefined for what @mk8s/api does not
 * know (custom resources).
 */
function sharedInformerName(r: ApiResource): string | undefined {
  const plain = RESOURCE_TYPES.find((t) => t.resource === r.resource);
  if (plain && plain.group === r.group && plain.version === r.version) return r.resource;
  const qualified = RESOURCE_TYPES.find((t) => t.resource === r.resource && t.group === r.group);
  return qualified && qualified.version === r.version ? `${r.resource}.${r.group}` : undefined;
}

interface Monitor {
  rt: ApiResource;
  informer: SharedInformer<KubeObject>;
  registration: EventHandlerRegistration;
  source: GraphSource;
  startedAt: number;
  /** Stops an informer of the collector's own; shared ones run as long as their factory. */
  stop?: AbortController;
}

export class GarbageCollector extends ControllerBase {
  /** One gate over every monitor: the workers start once the first discovery is in and the monitors have synced. */
  protected readonly informers: readonly HasSynced[] = [{ hasSynced: () => this.monitorsSynced() }];
  private readonly graph = new OwnerGraph();
  private readonly factory: SharedInformerFactory;
  private readonly ignored: ReadonlySet<string>;
  private readonly discoveryResyncMs: number;
  private readonly monitors = new Map<string, Monitor>();
  /** Every resource of the last discovery, monitored or not: where owners are looked up. Undefined before the first. */
  private discovered: ApiResource[] | undefined;
  private signal: AbortSignal | undefined;
  /** Informers of the collector's own still running. */
  private readonly running = new Set<Promise<void>>();

  constructor(opts: GarbageCollectorOptions) {
    super({ name: 'garbage-collector', defaultWorkers: 2 }, opts);
    this.factory = opts.factory;
    this.ignored = new Set(opts.ignoredResources ?? DEFAULT_GC_IGNORED_RESOURCES);
    this.discoveryResyncMs = opts.discoveryResyncMs ?? DEFAULT_GC_DISCOVERY_RESYNC_MS;
  }

  override async run(signal: AbortSignal, workers?: number): Promise<void> {
    this.signal = signal;
    // Read at once, retried every second until a first discovery is in, then every discoveryResyncMs.
    const resync = async (): Promise<number> => {
      await this.resyncMonitors();
      return this.discovered ? this.discoveryResyncMs : DISCOVERY_RETRY_MS;
    };
    try {
      await Promise.all([super.run(signal, workers), every(this.discoveryResyncMs, resync, signal, { clock: this.clock, immediate: true })]);
    } finally {
      for (const key of [...this.monitors.keys()]) this.stopMonitor(key);
      await Promise.all(this.running);
    }
  }

  /** Monitors what discovery lists now; the monitors stay as they are when discovery cannot be read. */
  private async resyncMonitors(): Promise<void> {
    let found;
    try {
      found = await discoverResources(this.client, this.signal);
    } catch (err) {
      if (!this.signal?.aborted) this.log.warn({ err: errorMessage(err) }, 'discovery failed; monitored resources unchanged');
      return;
    }
    if (this.signal?.aborted) return;
    if (found.failures.length > 0) this.log.warn({ failures: describeFailures(found.failures) }, 'discovery failed for some groups; their monitors are kept');
    this.discovered = found.resources;
    const failedGroups = new Set(found.failures.map((f) => f.group));
    const wanted = new Map<string, ApiResource>();
    for (const r of found.resources) {
      if (hasVerbs(r, 'list', 'watch', 'delete') && !this.ignored.has(groupResource(r))) wanted.set(`${r.group}/${r.version}/${r.resource}`, r);
    }
    for (const [key, m] of [...this.monitors]) {
      if (!wanted.has(key) && !failedGroups.has(m.rt.group)) this.stopMonitor(key);
    }
    for (const [key, r] of wanted) if (!this.monitors.has(key)) this.startMonitor(key, r);
  }

  private startMonitor(key: string, rt: ApiResource): void {
    const shared = sharedInformerName(rt);
    let informer: SharedInformer<KubeObject>;
    let stop: AbortController | undefined;
    if (shared) {
      informer = this.factory.informerFor<KubeObject>(shared);
      if (!informer.getStore().indexNames().includes(UID_INDEX)) informer.addIndexers(graphIndexers);
    } else {
      const rc = this.client.resource<KubeObject>(rt.group, rt.version, rt.resource, { namespaced: rt.namespaced });
      informer = new SharedInformer<KubeObject>(
        { list: (o) => rc.list(o), watch: (o) => rc.watch(o) },
        { name: groupResource(rt), clock: this.clock, logger: this.log, indexers: graphIndexers },
      );
      stop = new AbortController();
    }
    const source: GraphSource = { rt, store: informer.getStore() };
    const registration = informer.addEventHandler({
      onAdd: (o) => this.enqueue(o),
      onUpdate: (old, o) => {
        const m = old.metadata ?? {};
        const n = o.metadata ?? {};
        const refsChanged = !sameList(m.ownerReferences, n.ownerReferences);
        if (refsChanged || m.deletionTimestamp !== n.deletionTimestamp || !sameList(m.finalizers, n.finalizers)) {
          this.enqueue(o);
          this.enqueueOwners(old);
          if (refsChanged) this.enqueueOwners(o);
        }
      },
      onDelete: (d) => {
        const o = deletedObject(d);
        this.enqueueOwners(o);
        const uid = o.metadata?.uid;
        if (uid) for (const dep of this.graph.dependents(uid)) this.enqueue(dep.obj);
      },
    });
    this.graph.add(source);
    const monitor: Monitor = { rt, informer, registration, source, startedAt: this.clock.now() };
    if (stop) {
      monitor.stop = stop;
      const done = informer
        // Stopped by stopMonitor: when its resource goes, or when the collector stops (run's finally).
        .run(stop.signal)
        .catch((err: unknown) => this.log.error({ err: errorMessage(err), resource: groupResource(rt) }, 'monitor stopped with an error'))
        .finally(() => this.running.delete(done));
      this.running.add(done);
    }
    this.monitors.set(key, monitor);
    this.log.info({ resource: groupResource(rt), version: rt.version }, 'monitoring resource');
  }

  private stopMonitor(key: string): void {
    const m = this.monitors.get(key);
    if (!m) return;
    this.monitors.delete(key);
    m.registration.remove();
    this.graph.remove(m.source);
    m.stop?.abort();
    if (!this.signal?.aborted) this.log.info({ resource: groupResource(m.rt), version: m.rt.version }, 'no longer monitoring resource');
  }

  /** Whether the first discovery is in and each monitor has synced, or given up holding the others back. */
  private monitorsSynced(): boolean {
    if (!this.discovered) return false;
    const now = this.clock.now();
    return [...this.monitors.values()].every((m) => m.informer.hasSynced() || now - m.startedAt >= MONITOR_SYNC_TIMEOUT_MS);
  }

  private enqueue(o: KubeObject): void {
    if (o.metadata?.uid) this.queue.add(o.metadata.uid);
  }

  private enqueueOwners(o: KubeObject): void {
    for (const r of o.metadata?.ownerReferences ?? []) this.queue.add(r.uid);
  }

  private clientFor(rt: GraphResource, namespace: string | undefined): ResourceClient<KubeObject> {
    const rc = this.client.resource<KubeObject>(rt.group, rt.version, rt.resource, { namespaced: rt.namespaced });
    return rt.namespaced ? rc.inNamespace(namespace ?? 'default') : rc;
  }

  protected async sync(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    const md = node.obj.metadata ?? {};
    const finalizers = md.finalizers ?? [];
    if (md.deletionTimestamp && (finalizers.includes(FINALIZER_ORPHAN) || finalizers.includes(FINALIZER_FOREGROUND)) && !this.monitorsSynced()) {
      // Its dependents may sit in a cache still filling (a resource monitored a moment ago): look again shortly.
      this.queue.addAfter(uid, 200);
      return;
    }
    if (md.deletionTimestamp && finalizers.includes(FINALIZER_ORPHAN)) {
      await this.orphanDependents(node);
      return;
    }
    if (md.deletionTimestamp && finalizers.includes(FINALIZER_FOREGROUND)) await this.processForeground(node);
    // A dependent being deleted is done with unless it deletes its own dependents first.
    if (md.deletionTimestamp && !finalizers.includes(FINALIZER_FOREGROUND)) return;
    if ((md.ownerReferences ?? []).length > 0) await this.attemptToDelete(node);
  }

  /** Removes the references to `owner` from its dependents, then the `orphan` finalizer. */
  private async orphanDependents(owner: GraphNode): Promise<void> {
    const uid = owner.obj.metadata!.uid!;
    for (const dep of this.graph.dependents(uid)) {
      const refs = (dep.obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
      await this.patchOwnerReferences(dep, refs);
    }
    await this.removeFinalizer(owner, FINALIZER_ORPHAN);
  }

  /** Has the dependents of a foreground-deleted owner deleted; lets the owner go once none blocks it. */
  private async processForeground(owner: GraphNode): Promise<void> {
    const uid = owner.obj.metadata!.uid!;
    const dependents = this.graph.dependents(uid);
    for (const dep of dependents) if (!dep.obj.metadata?.deletionTimestamp) this.enqueue(dep.obj);
    const blocking = dependents.filter((d) => (d.obj.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    if (blocking.length > 0) return; // their deletion events bring the owner back here
    await this.removeFinalizer(owner, FINALIZER_FOREGROUND);
  }

  private async attemptToDelete(item: GraphNode): Promise<void> {
    const ns = item.obj.metadata?.namespace;
    const cachedStates = new Map<string, OwnerState | undefined>();
    for (const ref of item.obj.metadata?.ownerReferences ?? []) {
      const owner = this.graph.owner(ref, ns);
      cachedStates.set(ref.uid, owner ? ownerState(owner.obj) : undefined);
    }
    // Fast path: every owner is there and none waits on us. No API calls.
    if ([...cachedStates.values()].every((s) => s === 'solid')) return;

    // Something looks gone or waiting: re-read the dependent live, and confirm each absent owner live.
    let live: KubeObject;
    try {
      live = await this.clientFor(item.rt, ns).get(item.obj.metadata!.name!);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (live.metadata?.uid !== item.obj.metadata?.uid) return;
    const states = new Map<string, OwnerState>();
    for (const ref of live.metadata?.ownerReferences ?? []) {
      const cached = this.graph.owner(ref, ns);
      states.set(ref.uid, cached ? ownerState(cached.obj) : await this.liveOwnerState(ref, ns));
    }
    const hasDependents = this.graph.dependents(item.obj.metadata!.uid!).length > 0;
    const action = decide(live, states, hasDependents);
    const target = { ...item, obj: live };
    if (action.kind === 'patch') {
      await this.patchOwnerReferences(target, action.ownerReferences);
    } else if (action.kind === 'delete') {
      this.log.info(
        { object: `${item.rt.resource}/${ns ? `${ns}/` : ''}${live.metadata?.name}`, policy: action.propagationPolicy },
        'deleting object whose owners are gone',
      );
      try {
        await this.clientFor(item.rt, ns).delete(live.metadata!.name!, {
          preconditions: { uid: live.metadata!.uid! },
          propagationPolicy: action.propagationPolicy,
        });
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) return;
        throw err;
      }
    }
  }

  /**
   * An owner's state read from the server. An owner of a kind the last
   * discovery did not list is never judged absent: the kind may be a custom
   * resource served since, so this throws and the dependent is retried with
   * backoff.
   */
  private async liveOwnerState(ref: OwnerReference, namespace: string | undefined): Promise<OwnerState> {
    const group = groupOf(ref.apiVersion);
    const rt = (this.discovered ?? []).find((r) => r.kind === ref.kind && r.group === group);
    if (!rt) throw new Error(`owner ${ref.kind} ${ref.name} of ${ref.apiVersion}: discovery does not list this kind (yet); keeping its dependents`);
    // A namespaced owner of a cluster-scoped dependent cannot exist (Kubernetes reports it invalid): absent.
    if (rt.namespaced && !namespace) return 'dangling';
    try {
      const owner = await this.clientFor(rt, namespace).get(ref.name);
      return refersTo(ref, namespace, { rt, obj: owner }) ? ownerState(owner) : 'dangling';
    } catch (err) {
      if (isNotFound(err)) return 'dangling';
      throw err;
    }
  }

  /** Replaces the object's ownerReferences, as a compare-and-swap on its resourceVersion. */
  private async patchOwnerReferences(node: GraphNode, refs: OwnerReference[]): Promise<void> {
    const md = node.obj.metadata!;
    const patch = { metadata: { resourceVersion: md.resourceVersion, ownerReferences: refs.length ? refs : null } };
    try {
      await this.clientFor(node.rt, md.namespace).patch(md.name!, patch, 'merge');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const md = node.obj.metadata!;
    const rest = (md.finalizers ?? []).filter((f) => f !== finalizer);
    const patch = { metadata: { resourceVersion: md.resourceVersion, finalizers: rest.length ? rest : null } };
    try {
      await this.clientFor(node.rt, md.namespace).patch(md.name!, patch, 'merge');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
