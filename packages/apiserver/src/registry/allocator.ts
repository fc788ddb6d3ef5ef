/**
 * Allocators: per-resource values taken from a shared pool before a write
 * and given back after a failed write or a delete (Services' ClusterIPs and
 * NodePorts). A resource definition names its allocator; the registry calls
 * it around every write of that resource.
 */
import type { Obj } from './strategy.js';

/** A per-resource hook the registry calls around writes (see registry.ts). */
export interface ResourceAllocator {
  begin(opts?: { dryRun?: boolean }): AllocationTx;
  /** Releases what a deleted object held; call after the delete committed. */
  release(obj: Obj): void;
  /** Takes what the stored objects hold; called once at start, before the first write is served. */
  rebuild(objects: readonly Obj[]): void;
}

/**
 * One write's allocations. `prepare` may be called once per retry of the
 * write (each call first undoes the previous one); exactly one of `commit`
 * (after the store write) or `revert` (when it failed) ends it. Both are
 * idempotent, and a `revert` after `commit` does nothing.
 */
export interface AllocationTx {
  /** Fills in and takes `next`'s values (old: the object being replaced, if any). Throws a 422 or 500 StatusError. */
  prepare(next: Obj, old: Obj | undefined): void;
  /** The write committed: `final` is what was stored (undefined when the write deleted the object). */
  commit(final: Obj | undefined): void;
  revert(): void;
}
