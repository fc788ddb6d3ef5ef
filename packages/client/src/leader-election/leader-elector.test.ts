import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { isAlreadyExists, isConflict } from '../errors.js';
import { FakeLeaseStore, fakeApiError, type FakeLeaseClient } from './fake-lease-client.js';
import { LeaderElector, type LeaderElectionEnd, type LeaderElectorOptions } from './leader-elector.js';

const NS = 'kube-system';
const NAME = 'kube-scheduler';
const LEASE_MS = 15_000;
const RENEW_MS = 10_000;
const RETRY_MS = 2_000;
/** The longest wait between two acquire tries: retry period plus full jitter. */
const MAX_ACQUIRE_GAP = RETRY_MS * 2.2;

interface LeadEvent {
  id: string;
  kind: 'start' | 'stop';
  at: number;
}

interface Candidate {
  id: string;
  client: FakeLeaseClient;
  elector: LeaderElector;
  abort: AbortController;
  /** Set once run settles. */
  outcome: { end?: LeaderElectionEnd; error?: unknown } | undefined;
  done: Promise<void>;
  signals: AbortSignal[];
  errors: unknown[];
  newLeaders: string[];
}

type Extra = Partial<Omit<LeaderElectorOptions, 'callbacks' | 'lock'>> & {
  work?: (signal: AbortSignal) => void | Promise<void>;
};

/** A simulated cluster: one Lease store, candidates with their own connections, one fake clock, one leading timeline. */
class Sim {
  readonly clock = new FakeClock();
  readonly store = new FakeLeaseStore(this.clock);
  readonly events: LeadEvent[] = [];
  readonly violations: string[] = [];
  private readonly all: Candidate[] = [];
  private seed = 42;

  /** A deterministic jitter source, so runs repeat exactly. */
  random = (): number => {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return this.seed / 2_147_483_648;
  };

  start(id: string, extra: Extra = {}): Candidate {
    const client = this.store.client();
    const abort = new AbortController();
    const { work, ...rest } = extra;
    const c: Partial<Candidate> & Pick<Candidate, 'id' | 'client' | 'abort' | 'signals' | 'errors' | 'newLeaders' | 'outcome'> = {
      id,
      client,
      abort,
      outcome: undefined,
      signals: [],
      errors: [],
      newLeaders: [],
    };
    const elector = new LeaderElector({
      lock: { client, namespace: NS, name: NAME, identity: id },
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_MS,
      retryPeriodMs: RETRY_MS,
      clock: this.clock,
      random: this.random,
      onError: (err) => c.errors.push(err),
      ...rest,
      callbacks: {
        onStartedLeading: (signal) => {
          const leading = this.leaders();
          if (leading.length > 0) this.violations.push(`${id} started while ${leading.join(',')} led`);
          this.events.push({ id, kind: 'start', at: this.clock.now() });
          c.signals.push(signal);
          return work?.(signal);
        },
        onStoppedLeading: () => {
          if (!c.signals.at(-1)?.aborted) this.violations.push(`${id} told it stopped before its signal aborted`);
          this.events.push({ id, kind: 'stop', at: this.clock.now() });
        },
        onNewLeader: (leader) => c.newLeaders.push(leader),
      },
    });
    c.elector = elector;
    c.done = elector.run(abort.signal).then(
      (end) => void (c.outcome = { end }),
      (error: unknown) => void (c.outcome = { error }),
    );
    this.all.push(c as Candidate);
    return c as Candidate;
  }

  /** Identities leading now, per the callbacks. */
  leaders(): string[] {
    const now = new Set<string>();
    for (const e of this.events) {
      if (e.kind === 'start') now.add(e.id);
      else now.delete(e.id);
    }
    return [...now];
  }

  /** Who each elector says leads, cross-checked with the callbacks. */
  leadersByElector(): string[] {
    return this.all.filter((c) => c.elector.isLeader()).map((c) => c.id);
  }

  startsOf(id: string): number[] {
    return this.events.filter((e) => e.id === id && e.kind === 'start').map((e) => e.at);
  }

  stopsOf(id: string): number[] {
    return this.events.filter((e) => e.id === id && e.kind === 'stop').map((e) => e.at);
  }

  /** Time of the last write to the Lease that left `id` holding it. */
  lastWriteBy(id: string): number {
    const w = this.store.writes.filter((x) => x.lease.spec?.holderIdentity === id).at(-1);
    if (!w) throw new Error(`no write by ${id}`);
    return w.at;
  }

  lease() {
    return this.store.read(NS, NAME);
  }

  /** Advances in small steps, checking after each that at most one candidate leads. */
  async advance(ms: number, step = 250): Promise<void> {
    for (let left = ms; left > 0; left -= step) {
      await this.clock.advance(Math.min(step, left));
      expect(this.leaders().length).toBeLessThanOrEqual(1);
      expect(this.leadersByElector().length).toBeLessThanOrEqual(1);
    }
  }

  async stopAll(): Promise<void> {
    for (const c of this.all) c.abort.abort();
    await this.clock.advance(RENEW_MS);
    await Promise.all(this.all.map((c) => c.done));
  }
}

const partitioned = (): Error => fakeApiError(503, 'ServiceUnavailable', 'connection refused');

let sim: Sim;
afterEach(async () => {
  await sim.stopAll();
  expect(sim.violations).toEqual([]);
});

describe('LeaderElector: one candidate', () => {
  it('acquires a missing Lease at once, then renews it every retry period without reading it again', async () => {
    sim = new Sim();
    const a = sim.start('a');
    await sim.advance(0 + 1);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.getLeader()).toBe('a');
    expect(sim.startsOf('a')).toEqual([sim.clock.now() - 1]);
    expect(a.newLeaders).toEqual(['a']);
    const first = sim.lease()?.spec;
    expect(first).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(first?.renewTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(first?.acquireTime).toBe(first?.renewTime);

    const writesBefore = sim.store.writes.length;
    await sim.advance(60_000);
    const renewals = sim.store.writes.length - writesBefore;
    expect(renewals).toBe(30);
    const spec = sim.lease()?.spec;
    expect(spec?.acquireTime).toBe(first?.acquireTime);
    expect(spec?.renewTime).not.toBe(first?.renewTime);
    expect(spec?.leaseTransitions).toBe(0);
    // The fast path: a leader writes over the Lease it last wrote, without a read first.
    expect(a.client.calls.get).toBe(1);
    expect(a.errors).toEqual([]);
    expect(a.signals[0]?.aborted).toBe(false);
  });

  it('stops leading when its signal aborts and, without releaseOnCancel, leaves the Lease as it was', async () => {
    sim = new Sim();
    const a = sim.start('a');
    await sim.advance(5_000);
    const writes = sim.store.writes.length;
    a.abort.abort();
    await sim.advance(1_000);
    expect(a.outcome).toEqual({ end: 'cancelled' });
    expect(a.elector.isLeader()).toBe(false);
    expect(a.signals[0]?.aborted).toBe(true);
    expect(sim.stopsOf('a')).toHaveLength(1);
    expect(sim.store.writes.length).toBe(writes);
    expect(sim.lease()?.spec?.holderIdentity).toBe('a');
  });

  it('returns cancelled at once, with no call made, for a signal aborted before run', async () => {
    sim = new Sim();
    const client = sim.store.client();
    const elector = new LeaderElector({
      lock: { client, namespace: NS, name: NAME, identity: 'a' },
      clock: sim.clock,
      callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
    });
    await expect(elector.run(AbortSignal.abort())).resolves.toBe('cancelled');
    expect(client.calls).toEqual({ get: 0, create: 0, update: 0 });
  });

  it('allows one run at a time', async () => {
    sim = new Sim();
    const a = sim.start('a');
    await expect(a.elector.run(new AbortController().signal)).rejects.toThrow(/already in progress/);
  });

  it('keeps trying while the API server fails, and acquires once it answers', async () => {
    sim = new Sim();
    let down = true;
    const a = sim.start('a');
    a.client.fail = () => (down ? fakeApiError(500, 'InternalError', 'etcd unavailable') : undefined);
    await sim.advance(20_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.errors.length).toBeGreaterThanOrEqual(5);
    down = false;
    await sim.advance(MAX_ACQUIRE_GAP);
    expect(a.elector.isLeader()).toBe(true);
  });

  it('rides out renewal failures shorter than the renew deadline', async () => {
    sim = new Sim();
    const a = sim.start('a');
    await sim.advance(3_000);
    a.client.fail = partitioned;
    // Renewals fail from 4 s to 8 s; the try at 10 s, before the deadline at 12 s, succeeds.
    await sim.advance(RENEW_MS - 2 * RETRY_MS - 500);
    a.client.fail = undefined;
    await sim.advance(30_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(sim.stopsOf('a')).toEqual([]);
    expect(a.errors.length).toBeGreaterThan(0);
  });

  it('takes back a Lease that already names it, keeping acquireTime and transitions', async () => {
    sim = new Sim();
    sim.store.put({
      metadata: { namespace: NS, name: NAME },
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: '2025-01-01T00:00:00.000000Z',
        renewTime: '2025-01-01T00:00:00.000000Z',
        leaseTransitions: 4,
      },
    });
    const a = sim.start('a');
    await sim.advance(1);
    expect(a.elector.isLeader()).toBe(true);
    expect(sim.lease()?.spec).toMatchObject({ holderIdentity: 'a', acquireTime: '2025-01-01T00:00:00.000000Z', leaseTransitions: 4 });
  });
});

describe('LeaderElector: several candidates', () => {
  it('lets exactly one of two lead, and the other follow it', async () => {
    sim = new Sim();
    const a = sim.start('a');
    const b = sim.start('b');
    await sim.advance(120_000);
    expect(sim.leaders()).toHaveLength(1);
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    expect(leader.elector.isLeader()).toBe(true);
    expect(follower.elector.isLeader()).toBe(false);
    expect(follower.elector.getLeader()).toBe(leader.id);
    expect(follower.newLeaders).toEqual([leader.id]);
    expect(sim.events).toHaveLength(1);
    expect(sim.lease()?.spec).toMatchObject({ holderIdentity: leader.id, leaseTransitions: 0 });
    expect(sim.store.writes.filter((w) => w.call === 'create')).toHaveLength(1);
  });

  it('settles a create race: the loser gets AlreadyExists and follows the winner', async () => {
    sim = new Sim();
    const b = sim.start('b');
    let raced = false;
    b.client.before = (call) => {
      if (call !== 'create' || raced) return;
      raced = true;
      // Another candidate's create lands between b's read (404) and b's create.
      sim.store.put({ metadata: { namespace: NS, name: NAME }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, leaseTransitions: 0 } });
    };
    await sim.advance(1);
    expect(raced).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.errors.some(isAlreadyExists)).toBe(true);
    await sim.advance(MAX_ACQUIRE_GAP);
    expect(b.elector.getLeader()).toBe('x');
    expect(b.newLeaders).toEqual(['x']);
    // 'x' never renews: b takes over once it has seen no change for a lease duration.
    await sim.advance(LEASE_MS + MAX_ACQUIRE_GAP);
    expect(b.elector.isLeader()).toBe(true);
    expect(sim.lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(b.newLeaders).toEqual(['x', 'b']);
  });

  it('lets exactly one of two simultaneous creators win', async () => {
    sim = new Sim();
    const a = sim.start('a');
    const b = sim.start('b');
    await sim.advance(1);
    expect(sim.store.writes.filter((w) => w.call === 'create')).toHaveLength(1);
    expect(sim.leaders()).toHaveLength(1);
    const loser = a.elector.isLeader() ? b : a;
    expect(loser.errors.some(isAlreadyExists)).toBe(true);
  });

  it('lets exactly one of two candidates take over an expired Lease when both write on the same read', async () => {
    sim = new Sim();
    sim.store.put({ metadata: { namespace: NS, name: NAME }, spec: { holderIdentity: 'gone', leaseDurationSeconds: 15, leaseTransitions: 2 } });
    // No jitter: both try at the same instants, so both see the Lease expire together.
    const a = sim.start('a', { random: () => 0 });
    const b = sim.start('b', { random: () => 0 });
    // Hold a's takeover write until b's has landed: both were based on the same read.
    let held = false;
    a.client.before = async (call) => {
      if (call !== 'update' || held) return;
      held = true;
      for (let i = 0; i < 100 && !sim.store.writes.some((w) => w.lease.spec?.holderIdentity === 'b'); i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await sim.advance(LEASE_MS + RETRY_MS);
    expect(held).toBe(true);
    expect(b.elector.isLeader()).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.errors.some(isConflict)).toBe(true);
    expect(sim.lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 3 });
    expect(sim.store.writes.filter((w) => w.lease.spec?.holderIdentity === 'a')).toEqual([]);
    await sim.advance(MAX_ACQUIRE_GAP);
    expect(a.elector.getLeader()).toBe('b');
  });

  it('stops a leader that cannot renew within the renew deadline; the other takes over only after a lease duration of no change', async () => {
    sim = new Sim();
    const a = sim.start('a');
    await sim.advance(1);
    const b = sim.start('b');
    await sim.advance(30_000);
    expect(a.elector.isLeader()).toBe(true);

    const cutAt = sim.clock.now();
    a.client.fail = partitioned;
    await sim.advance(LEASE_MS + 2 * MAX_ACQUIRE_GAP);

    const lastRenewal = sim.lastWriteBy('a');
    expect(lastRenewal).toBeLessThanOrEqual(cutAt);
    const [aStop] = sim.stopsOf('a');
    const [bStart] = sim.startsOf('b');
    expect(a.outcome).toEqual({ end: 'lost' });
    expect(aStop).toBeLessThanOrEqual(lastRenewal + RENEW_MS);
    expect(bStart).toBeGreaterThanOrEqual(lastRenewal + LEASE_MS);
    expect(bStart).toBeGreaterThan(aStop!);
    expect(a.signals[0]?.aborted).toBe(true);
    expect(b.elector.isLeader()).toBe(true);
    expect(sim.lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(b.newLeaders).toEqual(['a', 'b']);
  });

  it('stops a leader whose renewals hang, at the renew deadline', async () => {
    sim = new Sim();
    const a = sim.start('a');
    await sim.advance(10_000);
    a.client.hang = true;
    await sim.advance(RENEW_MS + RETRY_MS);
    expect(a.outcome).toEqual({ end: 'lost' });
    const [aStop] = sim.stopsOf('a');
    expect(aStop).toBeLessThanOrEqual(sim.lastWriteBy('a') + RENEW_MS);
  });

  it('stops a leader at once when it sees another holder in the Lease', async () => {
    sim = new Sim();
    const a = sim.start('a');
    await sim.advance(10_000);
    const seizedAt = sim.clock.now();
    sim.store.put({ ...sim.lease(), spec: { ...sim.lease()?.spec, holderIdentity: 'usurper' } });
    await sim.advance(RETRY_MS);
    expect(a.outcome).toEqual({ end: 'lost' });
    expect(sim.stopsOf('a')[0]).toBeLessThanOrEqual(seizedAt + RETRY_MS);
    expect(a.elector.getLeader()).toBe('usurper');
    expect(a.errors.some(isConflict)).toBe(true);
  });

  it('with releaseOnCancel, waits for the work to finish, releases, and the next candidate leads at once', async () => {
    sim = new Sim();
    let workDoneAt = 0;
    const work = async (signal: AbortSignal): Promise<void> => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await sim.clock.sleep(1_000); // winding down after the signal
      workDoneAt = sim.clock.now();
    };
    const a = sim.start('a', { releaseOnCancel: true, work });
    await sim.advance(1);
    const b = sim.start('b');
    await sim.advance(20_000);

    const cancelAt = sim.clock.now();
    a.abort.abort();
    await sim.advance(MAX_ACQUIRE_GAP + 1_000);

    expect(a.outcome).toEqual({ end: 'cancelled' });
    const release = sim.store.writes.find((w) => w.lease.spec?.holderIdentity === '');
    expect(release?.lease.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(workDoneAt).toBe(cancelAt + 1_000);
    expect(release?.at).toBeGreaterThanOrEqual(workDoneAt);
    expect(sim.stopsOf('a')[0]).toBeLessThanOrEqual(release!.at);
    const [bStart] = sim.startsOf('b');
    expect(bStart).toBeLessThanOrEqual(release!.at + MAX_ACQUIRE_GAP);
    expect(bStart).toBeLessThan(cancelAt + LEASE_MS);
    expect(sim.lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(b.newLeaders).toEqual(['a', 'b']);
  });

  it('with releaseOnCancel, releases a lock won by a try still in flight when cancelled, without leading', async () => {
    sim = new Sim();
    let letCreateThrough: () => void = () => {};
    const a = sim.start('a', { releaseOnCancel: true });
    a.client.before = (call) => (call === 'create' ? new Promise<void>((resolve) => (letCreateThrough = resolve)) : undefined);
    await sim.advance(1);
    a.abort.abort();
    await sim.advance(1);
    letCreateThrough();
    await sim.advance(1);
    expect(a.outcome).toEqual({ end: 'cancelled' });
    expect(sim.events).toEqual([]);
    expect(sim.store.writes.map((w) => [w.call, w.lease.spec?.holderIdentity])).toEqual([
      ['create', 'a'],
      ['update', ''],
    ]);
  });

  it('without releaseOnCancel, the next candidate waits out the lease after a cancel', async () => {
    sim = new Sim();
    const a = sim.start('a');
    await sim.advance(1);
    const b = sim.start('b');
    await sim.advance(20_000);
    a.abort.abort();
    await sim.advance(LEASE_MS + MAX_ACQUIRE_GAP);
    expect(b.elector.isLeader()).toBe(true);
    expect(sim.startsOf('b')[0]).toBeGreaterThanOrEqual(sim.lastWriteBy('a') + LEASE_MS);
  });

  it('never has two leaders at once while leaders are partitioned and candidates restart', async () => {
    sim = new Sim();
    const live = new Map<string, Candidate>();
    let generation = 0;
    const spawn = (): void => {
      const id = `c${generation++}`;
      live.set(id, sim.start(id));
    };
    for (let i = 0; i < 3; i++) spawn();
    const pick = (): number => sim.random();

    for (let round = 0; round < 40; round++) {
      await sim.advance(3_000 + Math.floor(pick() * 20_000));
      // Heal everyone, then cut off the current leader half of the time.
      for (const c of live.values()) c.client.fail = undefined;
      const leader = [...live.values()].find((c) => c.elector.isLeader());
      if (leader && pick() < 0.5) leader.client.fail = partitioned;
      // A candidate whose run ended exits and is replaced, as a component process would be.
      for (const [id, c] of live) {
        if (c.outcome) {
          live.delete(id);
          spawn();
        }
      }
    }

    const transitions = sim.events.filter((e) => e.kind === 'start').length;
    expect(transitions).toBeGreaterThanOrEqual(5);
    // The callback timeline alternates start/stop with one leader at a time.
    let current: string | undefined;
    for (const e of sim.events) {
      if (e.kind === 'start') {
        expect(current).toBeUndefined();
        current = e.id;
      } else {
        expect(e.id).toBe(current);
        current = undefined;
      }
    }
  });
});

describe('LeaderElector: callbacks', () => {
  it('stops leading, releases, and rejects run when the work fails', async () => {
    sim = new Sim();
    const boom = new Error('work failed');
    const a = sim.start('a', {
      releaseOnCancel: true,
      work: async () => {
        await sim.clock.sleep(5_000);
        throw boom;
      },
    });
    await sim.advance(6_000);
    expect(a.outcome).toEqual({ error: boom });
    expect(a.signals[0]?.aborted).toBe(true);
    expect(sim.stopsOf('a')).toHaveLength(1);
    expect(sim.lease()?.spec?.holderIdentity).toBe('');
  });

  it('treats a synchronous throw from onStartedLeading like a failed work', async () => {
    sim = new Sim();
    const a = sim.start('a', {
      work: () => {
        throw new Error('bad start');
      },
    });
    await sim.advance(1);
    expect(a.outcome?.error).toEqual(new Error('bad start'));
    expect(sim.stopsOf('a')).toHaveLength(1);
  });

  it('keeps leading after the work resolves, until cancelled', async () => {
    sim = new Sim();
    const a = sim.start('a', { work: async () => {} });
    await sim.advance(30_000);
    expect(a.elector.isLeader()).toBe(true);
  });

  it('reports errors thrown by onNewLeader without breaking the election', async () => {
    sim = new Sim();
    const errors: unknown[] = [];
    const elector = new LeaderElector({
      lock: { client: sim.store.client(), namespace: NS, name: NAME, identity: 'a' },
      clock: sim.clock,
      onError: (err) => errors.push(err),
      callbacks: {
        onStartedLeading: () => {},
        onStoppedLeading: () => {},
        onNewLeader: () => {
          throw new Error('listener broke');
        },
      },
    });
    const abort = new AbortController();
    const done = elector.run(abort.signal);
    await sim.clock.advance(1);
    expect(elector.isLeader()).toBe(true);
    expect(errors).toEqual([new Error('listener broke')]);
    abort.abort();
    await expect(done).resolves.toBe('cancelled');
  });
});

describe('LeaderElector: validation', () => {
  const base = (over: Partial<LeaderElectorOptions> = {}): LeaderElectorOptions => ({
    lock: { client: new FakeLeaseStore().client(), namespace: NS, name: NAME, identity: 'a' },
    callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
    ...over,
  });

  afterEach(() => {
    sim = new Sim();
  });

  it('accepts the defaults (15 s / 10 s / 2 s)', () => {
    expect(() => new LeaderElector(base())).not.toThrow();
  });

  it.each([
    [{ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }, /leaseDurationMs \(10000\) must be greater than renewDeadlineMs/],
    [{ leaseDurationMs: 5_000 }, /leaseDurationMs \(5000\) must be greater than renewDeadlineMs \(10000\)/],
    [{ renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }, /renewDeadlineMs \(2400\) must be greater than retryPeriodMs \* 1.2/],
    [{ retryPeriodMs: 9_000 }, /renewDeadlineMs \(10000\) must be greater than retryPeriodMs/],
    [{ leaseDurationMs: 0 }, /leaseDurationMs must be greater than zero/],
    [{ renewDeadlineMs: -1 }, /renewDeadlineMs must be greater than zero/],
    [{ retryPeriodMs: 0 }, /retryPeriodMs must be greater than zero/],
    [{ retryPeriodMs: Number.NaN }, /retryPeriodMs must be greater than zero/],
  ])('rejects timings %o', (timings, message) => {
    expect(() => new LeaderElector(base(timings))).toThrow(message);
  });

  it('accepts a renew deadline just above retryPeriod * 1.2', () => {
    expect(() => new LeaderElector(base({ leaseDurationMs: 3_000, renewDeadlineMs: 2_401, retryPeriodMs: 2_000 }))).not.toThrow();
  });

  it('rejects an empty identity, lock name or namespace', () => {
    const lock = base().lock;
    expect(() => new LeaderElector(base({ lock: { ...lock, identity: '' } }))).toThrow(/identity must not be empty/);
    expect(() => new LeaderElector(base({ lock: { ...lock, name: '' } }))).toThrow(/must not be empty/);
    expect(() => new LeaderElector(base({ lock: { ...lock, namespace: '' } }))).toThrow(/must not be empty/);
  });

  it('rejects missing callbacks', () => {
    const noStart = { onStoppedLeading: () => {} } as unknown as LeaderElectorOptions['callbacks'];
    const noStop = { onStartedLeading: () => {} } as unknown as LeaderElectorOptions['callbacks'];
    expect(() => new LeaderElector(base({ callbacks: noStart }))).toThrow(/onStartedLeading is required/);
    expect(() => new LeaderElector(base({ callbacks: noStop }))).toThrow(/onStoppedLeading is required/);
  });
});
