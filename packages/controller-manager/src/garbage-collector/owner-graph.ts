/**
 * The garbage collector's view of who owns whom (the role of Kubernetes'
 * GraphBuilder `uidToNode`), read straight from the informers' caches rather
 * than kept as a second copy: each monitored resource's cache is indexed by
 * uid and by owner uid, so "is this owner there?" and "who depends on it?"
 * are index lookups. Like every cache read it may lag the server; the
 * collector confirms absences with a live GET before acting on them.
 */
import type { Indexer, KubeObject } from '@mk8s/client';

export const UID_INDEX = 'gc:uid';
export const OWNER_INDEX = 'gc:owner-uid';

export type OwnerReference = NonNullable<NonNullable<KubeObject['metadata']>['ownerReferences']>[number];

/** The index functions the graph needs on every monitored cache. */
export const graphIndexers = {
  [UID_INDEX]: (o: KubeObject): string[] => (o.metadata?.uid ? [o.metadata.uid] : []),
  [OWNER_INDEX]: (o: KubeObject): string[] => (o.metadata?.ownerReferences ?? []).map((r) => r.uid).filter((u) => u !== ''),
};

/** What the graph needs to know of a resource (a built-in type of @mk8s/api, or one found by discovery). */
export interface GraphResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

export interface GraphNode {
  rt: GraphResource;
  obj: KubeObject;
}

export interface GraphSource {
  rt: GraphResource;
  /** A cache with `graphIndexers` added. */
  store: Indexer<KubeObject>;
}

/** The API group of an `apiVersion` (`apps/v1` -> `apps`, `v1` -> ``). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Does `node` sit where `ref`, written on an object in `namespace`, points? */
export function refersTo(ref: OwnerReference, namespace: string | undefined, node: GraphNode): boolean {
  if (node.obj.metadata?.uid !== ref.uid || node.obj.metadata?.name !== ref.name) return false;
  if (node.rt.kind !== ref.kind || node.rt.group !== groupOf(ref.apiVersion)) return false;
  // Owners live in the dependent's namespace, or are cluster-scoped.
  return node.rt.namespaced ? node.obj.metadata?.namespace === namespace : true;
}

export class OwnerGraph {
  private sources: readonly GraphSource[];

  constructor(sources: readonly GraphSource[] = []) {
    this.sources = [...sources];
  }

  /** Starts reading a monitored resource's cache. */
  add(source: GraphSource): void {
    this.sources = [...this.sources, source];
  }

  /** Stops reading a cache (its resource is no longer monitored). */
  remove(source: GraphSource): void {
    this.sources = this.sources.filter((s) => s !== source);
  }

  /** The cached object with this uid, in any monitored resource. */
  get(uid: string): GraphNode | undefined {
    for (const s of this.sources) {
      const obj = s.store.byIndex(UID_INDEX, uid)[0];
      if (obj) return { rt: s.rt, obj };
    }
    return undefined;
  }

  /** The cached object `ref` (on an object in `namespace`) names, when uid, kind, name and namespace all agree. */
  owner(ref: OwnerReference, namespace: string | undefined): GraphNode | undefined {
    const node = this.get(ref.uid);
    return node && refersTo(ref, namespace, node) ? node : undefined;
  }

  /** Every cached object with an ownerReference to `uid`. */
  dependents(uid: string): GraphNode[] {
    return this.sources.flatMap((s) => s.store.byIndex(OWNER_INDEX, uid).map((obj) => ({ rt: s.rt, obj })));
  }

  /** Whether any monitored resource holds `kind` of `group`. */
  monitors(group: string, kind: string): boolean {
    return this.sources.some((s) => s.rt.group === group && s.rt.kind === kind);
  }
}
