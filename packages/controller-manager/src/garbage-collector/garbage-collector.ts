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
 * Level-triggered, keyed by uid: every change to a monitored object enqueues
 * its uid (and the uids of its owners, and on deletion of its dependents).
 * A sync reads the caches; an owner that the cache says is gone is confirmed
 * gone with a live GET (and the dependent re-read live) before anything is
 * deleted, and deletes carry a uid precondition, so an object whose owner
 * exists is never deleted. Owners of kinds the API does not serve are never
 * judged absent.
 */
import { RESOURCE_TYPES, deepEqual, type ResourceType } from '@mk8s/api';
import { ControllerBase, deletedObject, isConflict, isNotFound, type ControllerDeps, type HasSynced, type KubeObject, type ResourceClient } from '@mk8s/client';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, decide, ownerState, type OwnerState } from './decide.js';
import { OwnerGraph, graphIndexers, groupOf, refersTo, type GraphNode, type GraphSource, type OwnerReference } from './owner-graph.js';

/** The resources watched by default: everything the API serves that can own or be owned, except Events. */
export const DEFAULT_GC_RESOURCES: readonly string[] = [
  'pods',
  'replicasets.apps',
  'deployments.apps',
  'services',
  'endpoints',
  'configmaps',
  'secrets',
  'leases.coordination.k8s.io',
  'horizontalpodautoscalers.autoscaling',
  'nodes',
  'namespaces',
];

export interface GarbageCollectorOptions extends ControllerDeps {
  /** Plural resource names (`pods`, or `deployments.apps`); default `DEFAULT_GC_RESOURCES`. */
  resources?: readonly string[];
}

function resourceType(name: string): ResourceType {
  const dot = name.indexOf('.');
  const plural = dot < 0 ? name : name.slice(0, dot);
  const group = dot < 0 ? undefined : name.slice(dot + 1);
  const rt = RESOURCE_TYPES.find((r) => r.resource === plural && (group === undefined || r.group === group));
  if (!rt) throw new Error(`garbage collector: no resource named "${name}"`);
  return rt;
}

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean => deepEqual(a ?? [], b ?? []);

export class GarbageCollector extends ControllerBase {
  protected readonly informers: readonly HasSynced[];
  private readonly graph: OwnerGraph;

  constructor(opts: GarbageCollectorOptions) {
    super({ name: 'garbage-collector', defaultWorkers: 2 }, opts);
    const sources: GraphSource[] = [];
    const informers = [];
    for (const name of opts.resources ?? DEFAULT_GC_RESOURCES) {
      const rt = resourceType(name);
      const informer = opts.factory.informerFor<KubeObject>(rt.group ? `${rt.resource}.${rt.group}` : rt.resource);
      if (!informer.getStore().indexNames().includes(Object.keys(graphIndexers)[0]!)) informer.addIndexers(graphIndexers);
      sources.push({ rt, store: informer.getStore() });
      informers.push(informer);
      informer.addEventHandler({
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
    }
    this.graph = new OwnerGraph(sources);
    this.informers = informers;
  }

  private enqueue(o: KubeObject): void {
    if (o.metadata?.uid) this.queue.add(o.metadata.uid);
  }

  private enqueueOwners(o: KubeObject): void {
    for (const r of o.metadata?.ownerReferences ?? []) this.queue.add(r.uid);
  }

  private clientFor(rt: ResourceType, namespace: string | undefined): ResourceClient<KubeObject> {
    const rc = this.client.resource<KubeObject>(rt.group, rt.version, rt.resource, { namespaced: rt.namespaced });
    return rt.namespaced ? rc.inNamespace(namespace ?? 'default') : rc;
  }

  protected async sync(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    const md = node.obj.metadata ?? {};
    const finalizers = md.finalizers ?? [];
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

  /** An owner's state read from the server; owners of kinds nobody serves are never judged absent. */
  private async liveOwnerState(ref: OwnerReference, namespace: string | undefined): Promise<OwnerState> {
    const rt = RESOURCE_TYPES.find((r) => r.kind === ref.kind && r.group === groupOf(ref.apiVersion));
    if (!rt) {
      this.log.warn({ owner: ref }, 'owner of a kind the API does not serve: keeping its dependents');
      return 'solid';
    }
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
