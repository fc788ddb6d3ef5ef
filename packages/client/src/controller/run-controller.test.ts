import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { RateLimitingQueue } from '../workqueue/rate-limiting-queue.js';
import { createController, runController } from './run-controller.js';
import type { Logger } from '../logger.js';

const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Lets pending work run until `cond` holds; fails after a bounded number of turns (no wall-clock). */
async function until(cond: () => boolean, turns = 1000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await macrotask();
  }
  throw new Error('condition never held');
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

type Line = { level: string; obj: object; msg?: string };

/** Records every line, with the fields of `child` loggers merged in (as pino does). */
function recordingLog(lines: Line[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: Line[] } {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: { ...bindings, ...obj }, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => recordingLog(lines, { ...bindings, ...more }) };
}

const synced = { hasSynced: () => true };

describe('createController', () => {
  it('syncs each key once for a burst of adds made before and while running', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const gate = deferred();
    const c = createController({
      name: 'test',
      clock,
      informers: [synced],
      sync: async (key) => {
        calls.push(key);
        if (key === 'first') await gate.promise;
      },
    });
    for (let i = 0; i < 10; i++) c.enqueue('first');
    const ac = new AbortController();
    const running = c.run(ac.signal);
    await until(() => calls.length === 1);
    for (let i = 0; i < 10; i++) {
      c.enqueue('a');
      c.enqueue('b');
    }
    gate.resolve();
    await until(() => calls.length === 3);
    await macrotask();
    expect(calls).toEqual(['first', 'a', 'b']);
    ac.abort();
    await running;
  });

  it('requeues a failing key with backoff until it succeeds, then forgets its failures', async () => {
    const clock = new FakeClock();
    const log = recordingLog();
    let failuresLeft = 2;
    const calls: number[] = [];
    const c = createController({
      name: 'retry',
      clock,
      log,
      informers: [synced],
      sync: async () => {
        calls.push(clock.now());
        if (failuresLeft-- > 0) throw new Error('conflict');
      },
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    const t0 = clock.now();
    c.enqueue('a');
    await until(() => calls.length === 1);
    await clock.advance(4);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
    await clock.advance(9);
    expect(calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls.map((t) => t - t0)).toEqual([0, 5, 15]);
    expect(c.queue.numRequeues('a')).toBe(0);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    expect(log.lines.find((l) => l.level === 'warn')?.obj).toMatchObject({ controller: 'retry', key: 'a', err: expect.any(Error) });

    // Backoff starts over: the next failure waits 5 ms again, not 20.
    failuresLeft = 1;
    const t1 = clock.now();
    c.enqueue('a');
    await until(() => calls.length === 4);
    await clock.advance(5);
    expect(calls.slice(3).map((t) => t - t1)).toEqual([0, 5]);

    ac.abort();
    await running;
  });

  it('survives a sync that throws synchronously or throws a non-Error', async () => {
    const clock = new FakeClock();
    let n = 0;
    const c = createController({
      name: 'panics',
      clock,
      informers: [synced],
      sync: (() => {
        n++;
        if (n === 1) throw new TypeError('boom');
        if (n === 2) return Promise.reject('a string');
        return Promise.resolve();
      }) as (key: string) => Promise<void>,
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    c.enqueue('a');
    await until(() => n === 1);
    await clock.advance(5);
    await clock.advance(10);
    expect(n).toBe(3);
    expect(c.queue.numRequeues('a')).toBe(0);
    ac.abort();
    await running;
  });

  it('drops a key after maxRetries failed retries', async () => {
    const clock = new FakeClock();
    const log = recordingLog();
    let n = 0;
    const c = createController({
      name: 'limited',
      clock,
      log,
      maxRetries: 2,
      informers: [synced],
      sync: async () => {
        n++;
        throw new Error('always');
      },
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    c.enqueue('a');
    await until(() => n === 1);
    await clock.advance(3_600_000);
    expect(n).toBe(3);
    expect(c.queue.numRequeues('a')).toBe(0);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    ac.abort();
    await running;
  });

  it('never syncs one key in two workers at once, while syncing different keys in parallel', async () => {
    const clock = new FakeClock();
    const active = new Set<string>();
    const violations: string[] = [];
    const perKey = new Map<string, number>();
    let maxParallel = 0;
    let step = 0;
    const c = createController({
      name: 'parallel',
      clock,
      workers: 4,
      informers: [synced],
      sync: async (key) => {
        if (active.has(key)) violations.push(key);
        active.add(key);
        maxParallel = Math.max(maxParallel, active.size);
        for (let i = 0; i < (step++ % 3) + 1; i++) await macrotask();
        active.delete(key);
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      },
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    for (let round = 0; round < 50; round++) {
      for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) if ((round + key.charCodeAt(0)) % 2 === 0) c.enqueue(key);
      await macrotask();
    }
    await until(() => c.queue.len() === 0 && active.size === 0);
    expect(violations).toEqual([]);
    expect(maxParallel).toBeGreaterThan(1);
    expect(maxParallel).toBeLessThanOrEqual(4);
    expect([...perKey.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    ac.abort();
    await running;
  });

  it('does not sync before every informer has synced', async () => {
    const clock = new FakeClock();
    const informer = { ready: false, hasSynced: () => informer.ready };
    const calls: string[] = [];
    const c = createController({ name: 'gated', clock, informers: [synced, informer], sync: async (k) => void calls.push(k) });
    c.enqueue('a');
    const ac = new AbortController();
    const running = c.run(ac.signal);
    await clock.advance(10_000);
    expect(calls).toEqual([]);
    informer.ready = true;
    await clock.advance(100);
    await until(() => calls.length === 1);
    expect(calls).toEqual(['a']);
    ac.abort();
    await running;
  });

  it('resolves without syncing when aborted before caches sync, and shuts its queue', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const c = createController({ name: 'never', clock, informers: [{ hasSynced: () => false }], sync: async (k) => void calls.push(k) });
    c.enqueue('a');
    const ac = new AbortController();
    const running = c.run(ac.signal);
    await clock.advance(500);
    ac.abort();
    await running;
    expect(calls).toEqual([]);
    expect(c.queue.isShuttingDown()).toBe(true);
  });

  it('on abort stops taking keys and resolves only after the in-flight sync finishes', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const calls: string[] = [];
    let signalSeen: AbortSignal | undefined;
    const c = createController({
      name: 'stopping',
      clock,
      informers: [synced],
      sync: async (key, signal) => {
        calls.push(key);
        signalSeen = signal;
        await gate.promise;
      },
    });
    const ac = new AbortController();
    let resolved = false;
    const running = c.run(ac.signal).then(() => (resolved = true));
    c.enqueue('a');
    await until(() => calls.length === 1);
    c.enqueue('b');
    ac.abort();
    await macrotask();
    await macrotask();
    expect(resolved).toBe(false);
    expect(signalSeen?.aborted).toBe(true);
    gate.resolve();
    await running;
    expect(calls).toEqual(['a']);
    c.enqueue('c');
    expect(c.queue.len()).toBe(0);
  });

  it('does not retry a sync that fails because of the abort', async () => {
    const clock = new FakeClock();
    let started = 0;
    const c = createController({
      name: 'aborted-sync',
      clock,
      informers: [synced],
      sync: (_key, signal) => {
        started++;
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      },
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    c.enqueue('a');
    await until(() => started === 1);
    ac.abort();
    await running;
    expect(c.queue.numRequeues('a')).toBe(0);
    expect(c.queue.waitingLen()).toBe(0);
    expect(started).toBe(1);
  });

  it('refuses to run twice', async () => {
    const c = createController({ name: 'once', clock: new FakeClock(), informers: [], sync: async () => {} });
    const ac = new AbortController();
    ac.abort();
    await c.run(ac.signal);
    await expect(c.run(ac.signal)).rejects.toThrow(/already/);
  });

  it('rejects a worker count below one', () => {
    expect(() => createController({ name: 'x', informers: [], sync: async () => {}, workers: 0 })).toThrow(RangeError);
  });

  it('records sync durations and errors per controller, alongside its queue metrics', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const c = createController({
      name: 'metered',
      clock,
      metrics: registry,
      informers: [synced],
      sync: async (key) => {
        if (key === 'bad') throw new Error('no');
      },
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    c.enqueue('good');
    c.enqueue('bad');
    await until(() => c.queue.len() === 0 && c.queue.waitingLen() === 1);
    const text = await registry.metrics();
    expect(text).toContain('controller_sync_errors_total{name="metered"} 1');
    expect(text).toContain('controller_sync_duration_seconds_count{name="metered"} 2');
    expect(text).toContain('workqueue_adds_total{name="metered"} 2');
    ac.abort();
    await running;
  });

  it('uses a queue it is given', async () => {
    const queue = new RateLimitingQueue<string>({ clock: new FakeClock() });
    const calls: string[] = [];
    const ac = new AbortController();
    const running = runController({ name: 'given', informers: [synced], queue, signal: ac.signal, sync: async (k) => void calls.push(k) });
    queue.add('x');
    await until(() => calls.length === 1);
    ac.abort();
    await running;
    expect(queue.isShuttingDown()).toBe(true);
  });
});
