/**
 * An in-memory stand-in for the API server's Lease endpoints, for tests of
 * leader election: one `FakeLeaseStore` is the server, and each candidate
 * gets its own `FakeLeaseClient` (its connection), which a test can break,
 * hang or interleave with other writes. Semantics follow the API server:
 * 404 on a missing Lease, 409 AlreadyExists on a second create, 409 Conflict
 * on an update whose resourceVersion is not the current one.
 */
import type { Lease } from '@mk8s/api';
import { realClock, type Clock } from '../clock.js';
import { ApiError } from '../errors.js';
import type { LeaseClient } from './lease-lock.js';

export type LeaseCall = 'get' | 'create' | 'update';

export interface LeaseWrite {
  call: 'create' | 'update' | 'put';
  lease: Lease;
  /** When it was stored, by the store's clock. */
  at: number;
}

export class FakeLeaseStore {
  private readonly leases = new Map<string, Lease>();
  private revision = 0;
  /** Every accepted write, in order. */
  readonly writes: LeaseWrite[] = [];

  constructor(private readonly clock: Pick<Clock, 'now'> = realClock) {}

  /** A new connection to this store. */
  client(): FakeLeaseClient {
    return new FakeLeaseClient(this);
  }

  /** The stored Lease (a copy), or undefined. */
  read(namespace: string, name: string): Lease | undefined {
    const lease = this.leases.get(`${namespace}/${name}`);
    return lease && clone(lease);
  }

  /** Writes a Lease unconditionally, as some other actor would; returns what was stored. */
  put(lease: Lease): Lease {
    return this.store('put', lease);
  }

  /** @internal the server side of FakeLeaseClient. */
  serve(call: LeaseCall, namespace: string, name: string, lease?: Lease): Lease {
    const key = `${namespace}/${name}`;
    const existing = this.leases.get(key);
    const what = `leases.coordination.k8s.io "${name}"`;
    switch (call) {
      case 'get':
        if (!existing) throw fakeApiError(404, 'NotFound', `${what} not found`);
        return clone(existing);
      case 'create':
        if (existing) throw fakeApiError(409, 'AlreadyExists', `${what} already exists`);
        return this.store('create', { ...lease, metadata: { ...lease?.metadata, namespace, name } });
      case 'update': {
        if (!existing) throw fakeApiError(404, 'NotFound', `${what} not found`);
        if (lease?.metadata?.resourceVersion !== existing.metadata?.resourceVersion) {
          throw fakeApiError(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`,
          );
        }
        return this.store('update', { ...lease, metadata: { ...lease?.metadata, namespace, name } });
      }
    }
  }

  private store(call: LeaseWrite['call'], lease: Lease): Lease {
    const namespace = lease.metadata?.namespace ?? '';
    const name = lease.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    const existing = this.leases.get(key);
    const stored: Lease = clone({
      ...lease,
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...lease.metadata,
        namespace,
        name,
        uid: existing?.metadata?.uid ?? `uid-${key}`,
        resourceVersion: String(++this.revision),
      },
    });
    this.leases.set(key, stored);
    this.writes.push({ call, lease: clone(stored), at: this.clock.now() });
    return clone(stored);
  }
}

/**
 * One candidate's connection. Calls settle asynchronously, like real I/O.
 * Each call first runs `before` (to interleave another actor), then asks
 * `fail` (an error there rejects the call without reaching the store), then
 * honours `hang` (the call never settles).
 */
export class FakeLeaseClient implements LeaseClient {
  before: ((call: LeaseCall, lease?: Lease) => void | Promise<void>) | undefined;
  fail: ((call: LeaseCall, lease?: Lease) => Error | undefined) | undefined;
  hang = false;
  /** Calls made, by kind (including failed ones). */
  readonly calls: Record<LeaseCall, number> = { get: 0, create: 0, update: 0 };

  constructor(private readonly server: FakeLeaseStore) {}

  get(namespace: string, name: string): Promise<Lease> {
    return this.call('get', namespace, name);
  }

  create(lease: Lease): Promise<Lease> {
    return this.call('create', lease.metadata?.namespace ?? '', lease.metadata?.name ?? '', clone(lease));
  }

  update(lease: Lease): Promise<Lease> {
    return this.call('update', lease.metadata?.namespace ?? '', lease.metadata?.name ?? '', clone(lease));
  }

  private async call(call: LeaseCall, namespace: string, name: string, lease?: Lease): Promise<Lease> {
    this.calls[call]++;
    await Promise.resolve();
    await this.before?.(call, lease);
    const err = this.fail?.(call, lease);
    if (err) throw err;
    if (this.hang) return new Promise<Lease>(() => {});
    return this.server.serve(call, namespace, name, lease);
  }
}

/** An ApiError shaped as the API server's Status. */
export function fakeApiError(code: number, reason: string, message: string): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
