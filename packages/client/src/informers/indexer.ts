/**
 * The informer's cache: objects by key (`namespace/name`), plus secondary
 * indexes computed by named index functions, kept in step on every write.
 *
 * Read-only contract: the objects handed out (by `get`, `list`, `byIndex`
 * and to event handlers) are the cached instances themselves, shared by every
 * reader in the process. Never change them; clone first (`structuredClone`
 * or `cloneJson` from @mk8s/api) and write the copy through the API.
 *
 * JavaScript runs one call at a time, so every method is atomic with respect
 * to every other: a reader never sees an object without its index entries.
 */
import { objectKey, type KubeObject } from '../types.js';

/** The values under which an object is filed in one index; `[]` leaves it out. */
export type IndexFunc<T> = (obj: T) => string[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

export const NAMESPACE_INDEX = 'namespace';
export const NODE_NAME_INDEX = 'spec.nodeName';
export const OWNER_UID_INDEX = 'owner-uid';

/** Files namespaced objects under their namespace; cluster-scoped ones under nothing. */
export function namespaceIndex(obj: KubeObject): string[] {
  const ns = obj.metadata?.namespace;
  return ns ? [ns] : [];
}

/** Files pods (anything with `spec.nodeName`) under the node they are bound to; unbound ones under nothing. */
export function nodeNameIndex(obj: KubeObject): string[] {
  const spec = (obj as { spec?: { nodeName?: unknown } }).spec;
  const node = spec?.nodeName;
  return typeof node === 'string' && node !== '' ? [node] : [];
}

/** Files an object under the uid of each of its owners (controllers find their dependents this way). */
export function ownerUidIndex(obj: KubeObject): string[] {
  return (obj.metadata?.ownerReferences ?? []).map((r) => r.uid).filter((uid) => uid !== '');
}

/** The conventional index name for `labelIndex(labelKey)`: `label:<key>`. */
export function labelIndexName(labelKey: string): string {
  return `label:${labelKey}`;
}

/** Files objects under the value of one label; objects without it under nothing. */
export function labelIndex(labelKey: string): IndexFunc<KubeObject> {
  return (obj) => {
    const v = obj.metadata?.labels?.[labelKey];
    return v === undefined ? [] : [v];
  };
}

/** Thrown when asked for an index that was never added. */
export class UnknownIndexError extends Error {
  constructor(readonly indexName: string) {
    super(`index "${indexName}" does not exist`);
    this.name = 'UnknownIndexError';
  }
}

export class Indexer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** indexName -> indexed value -> keys of the objects filed under it. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private rv = '';

  constructor(
    indexers: Indexers<T> = {},
    private readonly keyOf: (obj: T) => string = objectKey,
  ) {
    this.addIndexers(indexers);
  }

  /**
   * Adds index functions; existing objects are indexed at once. Adding a
   * name again with the same function is a no-op (controllers sharing an
   * informer may each ask for e.g. OWNER_UID_INDEX); with a different
   * function it is an error, since the index would silently change.
   */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      const existing = this.indexers.get(name);
      if (existing && existing !== fn) throw new Error(`index "${name}" already exists with a different function`);
    }
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) continue;
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) for (const v of fn(obj)) addTo(index, v, key);
    }
  }

  indexNames(): string[] {
    return [...this.indexers.keys()];
  }

  /** Inserts or replaces the object under its key. */
  add(obj: T): void {
    const key = this.keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.reindex(key, old, obj);
  }

  /** Same as `add`: the store keeps the latest state whatever the verb. */
  update(obj: T): void {
    this.add(obj);
  }

  /** Removes the object with this object's key; absent keys are a no-op. */
  delete(obj: T): void {
    this.deleteKey(this.keyOf(obj));
  }

  deleteKey(key: string): void {
    const old = this.items.get(key);
    if (old === undefined) return;
    this.items.delete(key);
    this.reindex(key, old, undefined);
  }

  /** Makes the contents exactly `list` (a fresh LIST result read at `resourceVersion`). */
  replace(list: readonly T[], resourceVersion: string): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of list) {
      const key = this.keyOf(obj);
      const old = this.items.get(key);
      this.items.set(key, obj);
      this.reindex(key, old, obj);
    }
    this.rv = resourceVersion;
  }

  /** The resourceVersion of the last `replace`. */
  lastReplaceResourceVersion(): string {
    return this.rv;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  getByObject(obj: KubeObject): T | undefined {
    return this.items.get(this.keyOf(obj as T));
  }

  keyFor(obj: T): string {
    return this.keyOf(obj);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  get size(): number {
    return this.items.size;
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Objects filed under `value` in the named index. Throws UnknownIndexError for unknown names. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  /** Keys of the objects filed under `value` in the named index. */
  indexKeys(indexName: string, value: string): string[] {
    const set = this.index(indexName).get(value);
    return set ? [...set] : [];
  }

  /** Every value the named index currently holds objects under. */
  indexValues(indexName: string): string[] {
    return [...this.index(indexName).keys()];
  }

  private index(name: string): Map<string, Set<string>> {
    const index = this.indices.get(name);
    if (!index) throw new UnknownIndexError(name);
    return index;
  }

  private reindex(key: string, old: T | undefined, now: T | undefined): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      const before = old === undefined ? [] : fn(old);
      const after = now === undefined ? [] : fn(now);
      for (const v of before) if (!after.includes(v)) removeFrom(index, v, key);
      for (const v of after) addTo(index, v, key);
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const set = index.get(value);
  if (!set) return;
  set.delete(key);
  if (set.size === 0) index.delete(value);
}
