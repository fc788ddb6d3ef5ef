import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { WorkQueue } from './queue.js';
import type { QueueItem } from './queue.js';

const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Tracks whether a promise has settled, without awaiting it. */
function settled<T>(p: Promise<T>): { readonly done: boolean; readonly value: T | undefined } {
  const s = { done: false, value: undefined as T | undefined };
  void p.then((v) => {
    s.done = true;
    s.value = v;
  });
  return s;
}

async function key<K>(q: WorkQueue<K>): Promise<K> {
  const item = await q.get();
  if (item.shutdown) throw new Error('queue unexpectedly shut down');
  return item.key;
}

describe('WorkQueue', () => {
  it('hands out each pending key once, in the order keys became pending', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('c');
    q.add('b');
    expect(q.len()).toBe(3);
    expect([await key(q), await key(q), await key(q)]).toEqual(['a', 'b', 'c']);
    expect(q.len()).toBe(0);
  });

  it('blocks get until a key is added, serving waiting getters in order', async () => {
    const q = new WorkQueue();
    const first = settled(q.get());
    const second = settled(q.get());
    await macrotask();
    expect(first.done).toBe(false);
    q.add('x');
    await macrotask();
    expect(first.value).toEqual({ key: 'x', shutdown: false });
    expect(second.done).toBe(false);
    q.add('y');
    await macrotask();
    expect(second.value).toEqual({ key: 'y', shutdown: false });
  });

  it('never hands out a key that a worker holds, and runs it again once after done when re-added', async () => {
    const q = new WorkQueue();
    q.add('a');
    expect(await key(q)).toBe('a');
    q.add('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    const next = settled(q.get());
    await macrotask();
    expect(next.done).toBe(false);

    q.done('a');
    await macrotask();
    expect(next.value).toEqual({ key: 'a', shutdown: false });
    q.done('a');

    const after = settled(q.get());
    await macrotask();
    expect(after.done).toBe(false);
    expect(q.len()).toBe(0);
  });

  it('does not run a key again after done when it was not re-added', async () => {
    const q = new WorkQueue();
    q.add('a');
    await key(q);
    q.done('a');
    expect(q.len()).toBe(0);
    q.add('a');
    expect(q.len()).toBe(1);
  });

  it('ignores done for keys nobody holds', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.done('a');
    q.done('zzz');
    expect(q.len()).toBe(1);
    expect(await key(q)).toBe('a');
  });

  it('puts a key re-added during processing behind keys that were already waiting', async () => {
    const q = new WorkQueue();
    q.add('a');
    await key(q);
    q.add('a');
    q.add('b');
    q.done('a');
    expect([await key(q), await key(q)]).toEqual(['b', 'a']);
  });

  describe('shutDown', () => {
    it('wakes every waiting getter with shutdown', async () => {
      const q = new WorkQueue();
      const waiting = [q.get(), q.get(), q.get()];
      q.shutDown();
      expect(await Promise.all(waiting)).toEqual([{ shutdown: true }, { shutdown: true }, { shutdown: true }]);
      expect(q.isShuttingDown()).toBe(true);
    });

    it('hands out what is still queued, then shutdown to every later getter; ignores adds', async () => {
      const q = new WorkQueue();
      q.add('a');
      q.add('b');
      q.shutDown();
      q.add('c');
      expect(q.len()).toBe(2);
      const got: Array<QueueItem<string>> = [];
      for (let i = 0; i < 4; i++) got.push(await q.get());
      expect(got).toEqual([{ key: 'a', shutdown: false }, { key: 'b', shutdown: false }, { shutdown: true }, { shutdown: true }]);
    });

    it('still hands out a key re-added before shutdown once its worker is done', async () => {
      const q = new WorkQueue();
      q.add('a');
      await key(q);
      q.add('a');
      q.shutDown();
      q.done('a');
      expect(await q.get()).toEqual({ key: 'a', shutdown: false });
      q.done('a');
      expect(await q.get()).toEqual({ shutdown: true });
    });

    it('is idempotent', async () => {
      const q = new WorkQueue();
      q.shutDown();
      q.shutDown();
      expect(await q.get()).toEqual({ shutdown: true });
    });
  });

  describe('shutDownWithDrain', () => {
    it('resolves at once when nothing is in flight', async () => {
      const q = new WorkQueue();
      await q.shutDownWithDrain();
      expect(q.isShuttingDown()).toBe(true);
    });

    it('waits until every key held by a worker is done', async () => {
      const q = new WorkQueue();
      q.add('a');
      q.add('b');
      await key(q);
      await key(q);
      const drained = settled(q.shutDownWithDrain());
      expect(await q.get()).toEqual({ shutdown: true });
      q.done('a');
      await macrotask();
      expect(drained.done).toBe(false);
      q.done('b');
      await macrotask();
      expect(drained.done).toBe(true);
    });

    it('is released early by a plain shutDown', async () => {
      const q = new WorkQueue();
      q.add('a');
      await key(q);
      const drained = settled(q.shutDownWithDrain());
      await macrotask();
      expect(drained.done).toBe(false);
      q.shutDown();
      await macrotask();
      expect(drained.done).toBe(true);
    });
  });

  describe('metrics', () => {
    it('counts adds (not deduplicated ones), depth and durations under the queue name', async () => {
      const clock = new FakeClock();
      const registry = new Registry();
      const q = new WorkQueue({ name: 'pods', clock, metrics: registry });
      q.add('a');
      q.add('a');
      q.add('b');
      await clock.advance(2000);
      await key(q);
      await clock.advance(500);
      q.done('a');

      const json = await registry.getMetricsAsJSON();
      const value = (name: string, suffix = ''): number | undefined =>
        json.find((m) => m.name === name)?.values.find((v) => v.labels.name === 'pods' && ('metricName' in v ? v.metricName === name + suffix : suffix === ''))
          ?.value;
      expect(value('workqueue_adds_total')).toBe(2);
      expect(value('workqueue_depth')).toBe(1);
      expect(value('workqueue_queue_duration_seconds', '_sum')).toBe(2);
      expect(value('workqueue_queue_duration_seconds', '_count')).toBe(1);
      expect(value('workqueue_work_duration_seconds', '_sum')).toBe(0.5);
      expect(value('workqueue_retries_total')).toBe(0);
    });

    it('lets several queues share one registry', async () => {
      const registry = new Registry();
      const a = new WorkQueue({ name: 'a', metrics: registry });
      const b = new WorkQueue({ name: 'b', metrics: registry });
      a.add('x');
      b.add('x');
      b.add('y');
      const text = await registry.getSingleMetricAsString('workqueue_adds_total');
      expect(text).toContain('workqueue_adds_total{name="a"} 1');
      expect(text).toContain('workqueue_adds_total{name="b"} 2');
    });
  });
});
