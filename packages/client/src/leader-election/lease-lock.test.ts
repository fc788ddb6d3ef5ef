import { describe, expect, it } from 'vitest';
import { microTime } from '@mk8s/api';
import { isAlreadyExists, isConflict, isNotFound } from '../errors.js';
import { FakeLeaseStore } from './fake-lease-client.js';
import { LeaseLock, leaseSpecFromRecord, recordFromLease, sameRecord, type LeaderElectionRecord } from './lease-lock.js';

const record = (holder: string, renew = '2026-01-01T00:00:00.000000Z'): LeaderElectionRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: '2026-01-01T00:00:00.000000Z',
  renewTime: renew,
  leaseTransitions: 0,
});

function lockFor(store: FakeLeaseStore, identity: string): LeaseLock {
  return new LeaseLock({ client: store.client(), namespace: 'kube-system', name: 'sched', identity });
}

describe('LeaseLock', () => {
  it('rejects get with NotFound while the Lease does not exist', async () => {
    const lock = lockFor(new FakeLeaseStore(), 'a');
    const err = await lock.get().catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect(lock.describe()).toBe('kube-system/sched');
  });

  it('creates a coordination.k8s.io/v1 Lease whose spec is the record', async () => {
    const store = new FakeLeaseStore();
    const written = await lockFor(store, 'a').create(record('a'));
    expect(written).toEqual(record('a'));
    const lease = store.read('kube-system', 'sched');
    expect(lease).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: 'kube-system', name: 'sched' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0, renewTime: '2026-01-01T00:00:00.000000Z' },
    });
    expect(await lockFor(store, 'b').get()).toEqual(record('a'));
  });

  it('rejects a second create with AlreadyExists', async () => {
    const store = new FakeLeaseStore();
    await lockFor(store, 'a').create(record('a'));
    const err = await lockFor(store, 'b')
      .create(record('b'))
      .catch((e: unknown) => e);
    expect(isAlreadyExists(err)).toBe(true);
    expect(store.read('kube-system', 'sched')?.spec?.holderIdentity).toBe('a');
  });

  it('refuses to update before anything was read', async () => {
    await expect(lockFor(new FakeLeaseStore(), 'a').update(record('a'))).rejects.toThrow(/call get or create before update/);
  });

  it('updates on the resourceVersion it last saw, so a stale writer gets Conflict', async () => {
    const store = new FakeLeaseStore();
    await lockFor(store, 'x').create(record('x'));
    const a = lockFor(store, 'a');
    const b = lockFor(store, 'b');
    await a.get();
    await b.get();
    expect(await b.update(record('b'))).toEqual(record('b'));
    const err = await a.update(record('a')).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect(store.read('kube-system', 'sched')?.spec?.holderIdentity).toBe('b');
    // After a fresh read the same lock writes again, and its own write is the base of the next one.
    await a.get();
    await a.update(record('a', '2026-01-01T00:00:02.000000Z'));
    await a.update(record('a', '2026-01-01T00:00:04.000000Z'));
    expect(store.read('kube-system', 'sched')?.spec?.renewTime).toBe('2026-01-01T00:00:04.000000Z');
  });

  it('keeps spec fields the record does not carry', async () => {
    const store = new FakeLeaseStore();
    store.put({
      metadata: { namespace: 'kube-system', name: 'sched' },
      spec: { holderIdentity: 'x', strategy: 'OldestEmulationVersion', preferredHolder: 'b' },
    });
    const lock = lockFor(store, 'a');
    await lock.get();
    await lock.update(record('a'));
    expect(store.read('kube-system', 'sched')?.spec).toMatchObject({ holderIdentity: 'a', strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
  });
});

describe('election records', () => {
  it('read an empty spec as nobody holding the lock', () => {
    expect(recordFromLease({ metadata: { name: 'l' } })).toEqual({ holderIdentity: '', leaseDurationSeconds: 0, leaseTransitions: 0 });
  });

  it('round-trip through a Lease spec', () => {
    const r = { ...record('a'), leaseTransitions: 3 };
    expect(recordFromLease({ spec: leaseSpecFromRecord(r) })).toEqual(r);
    const bare: LeaderElectionRecord = { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 2 };
    expect(leaseSpecFromRecord(bare)).toEqual({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 2 });
  });

  it('are the same only when every field is', () => {
    expect(sameRecord(record('a'), record('a'))).toBe(true);
    expect(sameRecord(record('a'), record('b'))).toBe(false);
    expect(sameRecord(record('a'), record('a', '2026-01-01T00:00:02.000000Z'))).toBe(false);
    expect(sameRecord(record('a'), { ...record('a'), leaseTransitions: 1 })).toBe(false);
    expect(sameRecord(undefined, record('a'))).toBe(false);
    expect(sameRecord(undefined, undefined)).toBe(true);
  });
});

describe('microTime (the Lease times)', () => {
  it('writes RFC 3339 UTC with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
    expect(microTime(0)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(Date.parse(microTime(1_767_225_600_123))).toBe(1_767_225_600_123);
  });
});
