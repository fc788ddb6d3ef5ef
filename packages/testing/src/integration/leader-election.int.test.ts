/**
 * Leader election against a real API server: Leases over HTTP, real timers,
 * short durations. Assertions are about orderings and invariants, never
 * about how long something took (beyond generous upper bounds).
 */
import type { Lease } from '@mk8s/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorFrom, isAlreadyExists, isConflict, isNotFound, LeaderElector, LeaseLock, type LeaderElectionEnd, type LeaseClient } from '@mk8s/client';
import { eventually } from '../eventually.js';
import { startTestCluster, type TestCluster } from '../test-cluster.js';

const NS = 'kube-system';
// Short enough for a quick test, long enough that a loaded CI machine does not lose a healthy lease.
const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 250 };

/** A LeaseClient over fetch. `broken` makes every call fail as if the network were gone. */
class HttpLeaseClient implements LeaseClient {
  broken = false;
  constructor(private readonly base: string) {}

  get(namespace: string, name: string): Promise<Lease> {
    return this.call('GET', `${this.path(namespace)}/${encodeURIComponent(name)}`);
  }

  create(lease: Lease): Promise<Lease> {
    return this.call('POST', this.path(lease.metadata?.namespace ?? ''), lease);
  }

  update(lease: Lease): Promise<Lease> {
    return this.call('PUT', `${this.path(lease.metadata?.namespace ?? '')}/${encodeURIComponent(lease.metadata?.name ?? '')}`, lease);
  }

  private path(namespace: string): string {
    return `${this.base}/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  }

  private async call(method: string, url: string, body?: Lease): Promise<Lease> {
    if (this.broken) throw new Error('connect ECONNREFUSED (simulated partition)');
    const res = await fetch(url, {
      method,
      // Kept: Headers takes every key, an undefined value as the text "undefined".
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
    if (!res.ok) throw apiErrorFrom(res.status, parsed);
    return parsed as Lease;
  }
}

interface Timeline {
  events: Array<{ id: string; kind: 'start' | 'stop' }>;
  violations: string[];
}

interface Candidate {
  id: string;
  client: HttpLeaseClient;
  elector: LeaderElector;
  abort: AbortController;
  done: Promise<LeaderElectionEnd>;
  signal?: AbortSignal;
}

function candidate(cluster: TestCluster, lease: string, id: string, timeline: Timeline, releaseOnCancel = false): Candidate {
  const client = new HttpLeaseClient(cluster.url);
  const abort = new AbortController();
  const c: Partial<Candidate> & Pick<Candidate, 'id' | 'client' | 'abort'> = { id, client, abort };
  c.elector = new LeaderElector({
    lock: { client, namespace: NS, name: lease, identity: id },
    ...TIMING,
    releaseOnCancel,
    callbacks: {
      onStartedLeading: (signal) => {
        const leading = leaders(timeline);
        if (leading.length > 0) timeline.violations.push(`${id} started while ${leading.join(',')} led`);
        timeline.events.push({ id, kind: 'start' });
        c.signal = signal;
      },
      onStoppedLeading: () => {
        if (!c.signal?.aborted) timeline.violations.push(`${id} told it stopped before its signal aborted`);
        timeline.events.push({ id, kind: 'stop' });
      },
    },
  });
  c.done = c.elector.run(abort.signal);
  return c as Candidate;
}

function leaders(timeline: Timeline): string[] {
  const now = new Set<string>();
  for (const e of timeline.events) {
    if (e.kind === 'start') now.add(e.id);
    else now.delete(e.id);
  }
  return [...now];
}

async function readLease(cluster: TestCluster, name: string): Promise<Lease> {
  return new HttpLeaseClient(cluster.url).get(NS, name);
}

describe('leader election on a real API server', () => {
  let cluster: TestCluster;
  const running: Candidate[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    for (const c of running) c.abort.abort();
    await Promise.allSettled(running.map((c) => c.done));
    await cluster.stop();
  });

  function start(lease: string, id: string, timeline: Timeline, releaseOnCancel = false): Candidate {
    const c = candidate(cluster, lease, id, timeline, releaseOnCancel);
    running.push(c);
    return c;
  }

  it('answers the lock with the errors the elector relies on', async () => {
    const client = new HttpLeaseClient(cluster.url);
    const a = new LeaseLock({ client, namespace: NS, name: 'lock-errors', identity: 'a' });
    const b = new LeaseLock({ client, namespace: NS, name: 'lock-errors', identity: 'b' });
    expect(isNotFound(await a.get().catch((e: unknown) => e))).toBe(true);
    const record = {
      holderIdentity: 'a',
      leaseDurationSeconds: 4,
      leaseTransitions: 0,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: '2026-01-01T00:00:00.000000Z',
    };
    await a.create(record);
    expect(isAlreadyExists(await b.create({ ...record, holderIdentity: 'b' }).catch((e: unknown) => e))).toBe(true);
    expect((await b.get()).holderIdentity).toBe('a');
    await a.update({ ...record, renewTime: '2026-01-01T00:00:01.000000Z' });
    // b's read is now stale: exactly one of the two writes on it wins.
    expect(isConflict(await b.update({ ...record, holderIdentity: 'b', leaseTransitions: 1 }).catch((e: unknown) => e))).toBe(true);
    const stored = await readLease(cluster, 'lock-errors');
    expect(stored.spec).toMatchObject({ holderIdentity: 'a', renewTime: expect.stringMatching(/^2026-01-01T00:00:01/) });
  });

  it('lets exactly one of two electors lead, and the other take over once the leader is cut off', async () => {
    const timeline: Timeline = { events: [], violations: [] };
    const a = start('scheduler', 'a', timeline);
    const b = start('scheduler', 'b', timeline);
    const atMostOne = (): void => {
      expect(leaders(timeline).length).toBeLessThanOrEqual(1);
      expect([a, b].filter((c) => c.elector.isLeader()).length).toBeLessThanOrEqual(1);
    };
    await eventually(() => leaders(timeline).length === 1, { timeoutMs: 10_000, intervalMs: 20, invariant: atMostOne });
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];

    // Several renew periods later, still one leader, the same one, and the follower knows it.
    const stableUntil = Date.now() + 1_500;
    await eventually(() => Date.now() > stableUntil, { timeoutMs: 5_000, intervalMs: 20, invariant: atMostOne });
    expect(leaders(timeline)).toEqual([leader.id]);
    expect(follower.elector.getLeader()).toBe(leader.id);
    expect((await readLease(cluster, 'scheduler')).spec).toMatchObject({ holderIdentity: leader.id, leaseDurationSeconds: 4, leaseTransitions: 0 });

    // The leader loses the API server: it must stop on its own, and only then may the follower lead.
    leader.client.broken = true;
    await eventually(() => follower.elector.isLeader(), { timeoutMs: 10_000, intervalMs: 20, invariant: atMostOne });
    expect(await leader.done).toBe('lost');
    expect(leader.signal?.aborted).toBe(true);
    expect(timeline.events).toEqual([
      { id: leader.id, kind: 'start' },
      { id: leader.id, kind: 'stop' },
      { id: follower.id, kind: 'start' },
    ]);
    expect(timeline.violations).toEqual([]);
    expect((await readLease(cluster, 'scheduler')).spec).toMatchObject({ holderIdentity: follower.id, leaseTransitions: 1 });
  });

  it('hands over after the leader stops without releasing, once its lease runs out', async () => {
    const timeline: Timeline = { events: [], violations: [] };
    const a = start('controller-manager', 'a', timeline);
    await eventually(() => a.elector.isLeader(), { timeoutMs: 10_000, intervalMs: 20 });
    const b = start('controller-manager', 'b', timeline);
    await eventually(() => b.elector.getLeader() === 'a', { timeoutMs: 10_000, intervalMs: 20 });

    a.abort.abort();
    expect(await a.done).toBe('cancelled');
    expect((await readLease(cluster, 'controller-manager')).spec?.holderIdentity).toBe('a');
    await eventually(() => b.elector.isLeader(), {
      timeoutMs: 10_000,
      intervalMs: 20,
      invariant: () => expect(leaders(timeline).length).toBeLessThanOrEqual(1),
    });
    expect(timeline.events.map((e) => `${e.id}:${e.kind}`)).toEqual(['a:start', 'a:stop', 'b:start']);
    expect(timeline.violations).toEqual([]);
  });

  it('with releaseOnCancel, clears the holder so the next elector takes over', async () => {
    const timeline: Timeline = { events: [], violations: [] };
    const a = start('cloud-controller-manager', 'a', timeline, true);
    await eventually(() => a.elector.isLeader(), { timeoutMs: 10_000, intervalMs: 20 });
    const b = start('cloud-controller-manager', 'b', timeline);
    await eventually(() => b.elector.getLeader() === 'a', { timeoutMs: 10_000, intervalMs: 20 });

    a.abort.abort();
    expect(await a.done).toBe('cancelled');
    await eventually(() => b.elector.isLeader(), {
      timeoutMs: 10_000,
      intervalMs: 20,
      invariant: () => expect(leaders(timeline).length).toBeLessThanOrEqual(1),
    });
    expect(timeline.events.map((e) => `${e.id}:${e.kind}`)).toEqual(['a:start', 'a:stop', 'b:start']);
    expect(timeline.violations).toEqual([]);
    expect((await readLease(cluster, 'cloud-controller-manager')).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });
});
