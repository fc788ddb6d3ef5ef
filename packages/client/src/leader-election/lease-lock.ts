/**
 * The lock behind leader election: one coordination.k8s.io/v1 Lease whose
 * spec is the election record. The lock keeps the Lease it last read or wrote
 * and writes back with that object's resourceVersion, so a write based on a
 * stale read fails with 409 Conflict instead of overwriting someone else's
 * claim. That compare-and-swap is what makes racing candidates safe.
 */
import type { Lease, LeaseSpec } from '@mk8s/api';

/**
 * The three Lease calls the lock needs. Failures are `ApiError`s: 404 from
 * `get` when the Lease does not exist, 409 AlreadyExists from `create` when
 * another candidate created it first, 409 Conflict from `update` when the
 * Lease's resourceVersion is stale. Any other rejection counts as a failed try.
 */
export interface LeaseClient {
  get(namespace: string, name: string): Promise<Lease>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

/**
 * The election state carried in a Lease spec. An empty `holderIdentity`
 * means nobody holds the lock (it was released). Timestamps are MicroTime
 * strings and are informational only: electors never compare them with
 * their own clock (see LeaderElector).
 */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

export interface LeaseLockConfig {
  client: LeaseClient;
  namespace: string;
  name: string;
  /** This candidate's name in `holderIdentity`; unique among candidates (e.g. hostname + random suffix). */
  identity: string;
}

/**
 * A Lease-backed lock for one candidate. Not safe for concurrent calls: its
 * owner (LeaderElector) issues one call at a time, because each call reads or
 * replaces the cached Lease that the next `update` is based on.
 */
export class LeaseLock {
  readonly client: LeaseClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  private lease: Lease | undefined;

  constructor(config: LeaseLockConfig) {
    this.client = config.client;
    this.namespace = config.namespace;
    this.name = config.name;
    this.identity = config.identity;
  }

  /** `namespace/name`, for messages. */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** Reads the Lease and remembers it as the base of the next `update`. Rejects with 404 when it does not exist. */
  async get(): Promise<LeaderElectionRecord> {
    const lease = await this.client.get(this.namespace, this.name);
    this.lease = lease;
    return recordFromLease(lease);
  }

  /** Creates the Lease holding `record`. Rejects with 409 AlreadyExists when another candidate created it first. */
  async create(record: LeaderElectionRecord): Promise<LeaderElectionRecord> {
    const lease = await this.client.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: this.namespace, name: this.name },
      spec: leaseSpecFromRecord(record),
    });
    this.lease = lease;
    return recordFromLease(lease);
  }

  /**
   * Writes `record` over the Lease last seen by `get`, `create` or `update`,
   * preconditioned on that Lease's resourceVersion: it rejects with 409
   * Conflict when anyone wrote the Lease since. Spec fields outside the record
   * (strategy, preferredHolder) are kept.
   */
  async update(record: LeaderElectionRecord): Promise<LeaderElectionRecord> {
    const base = this.lease;
    if (!base) throw new Error(`lease ${this.describe()} not read yet: call get or create before update`);
    const spec: LeaseSpec = leaseSpecFromRecord(record);
    if (base.spec?.strategy !== undefined) spec.strategy = base.spec.strategy;
    if (base.spec?.preferredHolder !== undefined) spec.preferredHolder = base.spec.preferredHolder;
    const lease = await this.client.update({ ...base, spec });
    this.lease = lease;
    return recordFromLease(lease);
  }
}

/** The election record in a Lease; absent fields read as "nobody holds it". */
export function recordFromLease(lease: Lease): LeaderElectionRecord {
  const spec = lease.spec ?? {};
  const record: LeaderElectionRecord = {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
  if (spec.acquireTime !== undefined) record.acquireTime = spec.acquireTime;
  if (spec.renewTime !== undefined) record.renewTime = spec.renewTime;
  return record;
}

export function leaseSpecFromRecord(record: LeaderElectionRecord): LeaseSpec {
  const spec: LeaseSpec = {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
  };
  if (record.acquireTime !== undefined) spec.acquireTime = record.acquireTime;
  if (record.renewTime !== undefined) spec.renewTime = record.renewTime;
  return spec;
}

/** True when two records are the same in every field: any renewal or change of holder makes them differ. */
export function sameRecord(a: LeaderElectionRecord | undefined, b: LeaderElectionRecord | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.leaseTransitions === b.leaseTransitions &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime
  );
}
