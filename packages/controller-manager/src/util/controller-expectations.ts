/**
 * ControllerExpectations (Kubernetes' `pkg/controller/controller_utils.go`):
 * what a controller has asked the API server to create or delete and not yet
 * seen come back through its informer. While a key has outstanding
 * expectations its controller must not act on the (stale) cache again, or a
 * slow watch would make it create or delete the same pods twice.
 *
 * Contract:
 * - `expectCreations`/`expectDeletions` are called by the sync that issues the
 *   writes, before issuing them; the informer handlers call
 *   `creationObserved`/`deletionObserved` as the results arrive, and the sync
 *   lowers its own expectations for writes that failed;
 * - deletions are tracked per pod key, so a pod seen twice on its way out
 *   (marked, then removed) counts once;
 * - expectations older than `ttlMs` (default 5 minutes) count as satisfied,
 *   so an event lost for good cannot wedge a controller forever;
 * - a key with no record is satisfied (a new or restarted controller).
 */
import { realClock, type Clock } from '@mk8s/client';

/** Kubernetes' ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Record {
  adds: number;
  /** Keys (namespace/name) of objects whose deletion is still to be observed. */
  dels: Set<string>;
  setAt: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record>();
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(opts: { clock?: Clock; ttlMs?: number } = {}) {
    this.clock = opts.clock ?? realClock;
    this.ttlMs = opts.ttlMs ?? EXPECTATIONS_TTL_MS;
  }

  /** True when the controller may sync `key` against its cache (nothing outstanding, or the record expired). */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.dels.size === 0) return true;
    return this.clock.now() - r.setAt > this.ttlMs;
  }

  /** Replaces the record of `key`: `adds` creations expected. */
  expectCreations(key: string, adds: number): void {
    this.records.set(key, { adds, dels: new Set(), setAt: this.clock.now() });
  }

  /** Replaces the record of `key`: the deletion of each of `objectKeys` expected. */
  expectDeletions(key: string, objectKeys: readonly string[]): void {
    this.records.set(key, { adds: 0, dels: new Set(objectKeys), setAt: this.clock.now() });
  }

  /** One expected creation arrived (or will never come because the create failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.adds--;
  }

  /** The deletion of `objectKey` arrived (or the delete failed); ignored unless it was expected, so it counts once. */
  deletionObserved(key: string, objectKey: string): void {
    this.records.get(key)?.dels.delete(objectKey);
  }

  /** Forgets `key` (its owner is gone). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** Outstanding counts, for tests and logs. */
  pending(key: string): { adds: number; dels: number } | undefined {
    const r = this.records.get(key);
    return r ? { adds: Math.max(0, r.adds), dels: r.dels.size } : undefined;
  }
}
