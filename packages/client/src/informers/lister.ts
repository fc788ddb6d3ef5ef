/**
 * Listers answer "what is there?" from an informer's cache, never from the
 * server: the read side of a level-triggered controller. Results are the
 * cached objects themselves (read-only; clone before changing) in no
 * particular order; every call returns a fresh array.
 */
import type { Selector } from '@mk8s/api';
import type { KubeObject } from '../types.js';
import { NAMESPACE_INDEX, type Indexer } from './indexer.js';

function select<T extends KubeObject>(objs: T[], selector: Selector | undefined): T[] {
  if (!selector || selector.empty()) return objs;
  return objs.filter((o) => selector.matches(o.metadata?.labels));
}

export class Lister<T extends KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** Every cached object whose labels match `selector` (all of them without one). */
  list(selector?: Selector): T[] {
    return select(this.indexer.list(), selector);
  }

  /** A cluster-scoped object by name (for namespaced ones use `namespace(ns).get(name)`). */
  get(name: string): T | undefined {
    return this.indexer.get(name);
  }

  /** Objects filed under `value` in the named index (throws UnknownIndexError for unknown names). */
  byIndex(indexName: string, value: string): T[] {
    return this.indexer.byIndex(indexName, value);
  }

  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }
}

export class NamespaceLister<T extends KubeObject> {
  constructor(
    private readonly indexer: Indexer<T>,
    readonly namespace: string,
  ) {}

  /** Objects in this namespace whose labels match `selector`. */
  list(selector?: Selector): T[] {
    const inNs = this.indexer.indexNames().includes(NAMESPACE_INDEX)
      ? this.indexer.byIndex(NAMESPACE_INDEX, this.namespace)
      : this.indexer.list().filter((o) => o.metadata?.namespace === this.namespace);
    return select(inNs, selector);
  }

  get(name: string): T | undefined {
    return this.indexer.get(`${this.namespace}/${name}`);
  }
}
