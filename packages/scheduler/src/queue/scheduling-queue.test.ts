import { FakeClock } from '@mk8s/client';
import { describe, expect, it } from 'vitest';
import { testPod } from '../testing/test-fixtures.js';
import { SchedulingQueue } from './scheduling-queue.js';

function newQueue(clock = new FakeClock()) {
  return { clock, queue: new SchedulingQueue({ clock, initialBackoffMs: 1000, maxBackoffMs: 10_000, maxUnschedulableMs: 60_000 }) };
}

describe('SchedulingQueue ordering', () => {
  it('pops higher priority first, then older first', async () => {
    const { clock, queue } = newQueue();
    queue.add(testPod('low-old', { priority: 0 }));
    await clock.advance(10);
    queue.add(testPod('high', { priority: 100 }));
    await clock.advance(10);
    queue.add(testPod('low-new', { priority: 0 }));
    queue.add(testPod('low-same-time', { priority: 0 }));
    const order = [queue.tryPop(), queue.tryPop(), queue.tryPop(), queue.tryPop()].map((q) => q?.pod.metadata?.name);
    expect(order).toEqual(['high', 'low-old', 'low-new', 'low-same-time']);
    expect(queue.tryPop()).toBeUndefined();
  });

  it('a waiting pop resolves when a pod arrives; close ends it with undefined', async () => {
    const { queue } = newQueue();
    const waiting = queue.pop();
    queue.add(testPod('p'));
    expect((await waiting)?.key).toBe('default/p');
    const ended = queue.pop();
    queue.close();
    expect(await ended).toBeUndefined();
  });

  it('adding a queued pod again only refreshes it', () => {
    const { queue } = newQueue();
    queue.add(testPod('p'));
    queue.add(testPod('p', { priority: 5 }));
    expect(queue.lengths().active).toBe(1);
    expect(queue.tryPop()?.pod.spec?.priority).toBe(5);
  });
});

describe('SchedulingQueue backoff', () => {
  it('doubles from 1 s up to 10 s', () => {
    const { queue } = newQueue();
    expect([1, 2, 3, 4, 5, 6].map((a) => queue.backoffDurationMs(a))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('an errored pod waits out its backoff, then becomes active', async () => {
    const { clock, queue } = newQueue();
    queue.add(testPod('p'));
    let q = queue.tryPop()!;
    queue.addBackoff(q);
    expect(queue.whereIs(q.key)).toBe('backoff');
    await clock.advance(999);
    queue.flush();
    expect(queue.whereIs(q.key)).toBe('backoff');
    await clock.advance(1);
    queue.flush();
    expect(queue.whereIs(q.key)).toBe('active');
    q = queue.tryPop()!;
    expect(q.attempts).toBe(2);
    queue.addBackoff(q);
    await clock.advance(1999);
    queue.flush();
    expect(queue.whereIs(q.key)).toBe('backoff');
    await clock.advance(1);
    queue.flush();
    expect(queue.whereIs(q.key)).toBe('active');
  });

  it('run() flushes periodically on the clock', async () => {
    const { clock, queue } = newQueue();
    const ac = new AbortController();
    const running = queue.run(ac.signal);
    queue.add(testPod('p'));
    queue.addBackoff(queue.tryPop()!);
    await clock.advance(2000);
    expect(queue.whereIs('default/p')).toBe('active');
    ac.abort();
    await running;
  });
});

describe('SchedulingQueue unschedulable pods', () => {
  it('wait for a cluster event, then go to backoff or active depending on their backoff', async () => {
    const { clock, queue } = newQueue();
    queue.add(testPod('p'));
    queue.addUnschedulable(queue.tryPop()!);
    expect(queue.whereIs('default/p')).toBe('unschedulable');
    queue.flush();
    expect(queue.whereIs('default/p')).toBe('unschedulable');
    queue.moveAllToActiveOrBackoff('NodeAdd');
    expect(queue.whereIs('default/p')).toBe('backoff');
    await clock.advance(1000);
    queue.flush();
    expect(queue.whereIs('default/p')).toBe('active');
    queue.addUnschedulable(queue.tryPop()!);
    await clock.advance(5000); // longer than its 2 s backoff
    queue.moveAllToActiveOrBackoff('NodeUpdate');
    expect(queue.whereIs('default/p')).toBe('active');
  });

  it('are retried after 60 s without any event', async () => {
    const { clock, queue } = newQueue();
    queue.add(testPod('p'));
    queue.addUnschedulable(queue.tryPop()!);
    await clock.advance(59_999);
    queue.flush();
    expect(queue.whereIs('default/p')).toBe('unschedulable');
    await clock.advance(1);
    queue.flush();
    expect(queue.whereIs('default/p')).toBe('active');
  });

  it('a move while the pod was in flight sends it to backoff instead of parking it', () => {
    const { queue } = newQueue();
    queue.add(testPod('p'));
    const q = queue.tryPop()!;
    queue.moveAllToActiveOrBackoff('NodeAdd');
    queue.addUnschedulable(q);
    expect(queue.whereIs('default/p')).toBe('backoff');
  });

  it('only relevant updates move a parked pod', () => {
    const { queue } = newQueue();
    queue.add(testPod('p'));
    queue.addUnschedulable(queue.tryPop()!);
    queue.update(testPod('p'), false);
    expect(queue.whereIs('default/p')).toBe('unschedulable');
    queue.update(testPod('p', { labels: { a: 'b' } }), true);
    expect(queue.whereIs('default/p')).toBe('backoff');
  });

  it('a pod deleted while in flight is not re-queued', () => {
    const { queue } = newQueue();
    queue.add(testPod('p'));
    const q = queue.tryPop()!;
    queue.delete('default/p');
    queue.addUnschedulable(q);
    queue.addBackoff(q);
    expect(queue.whereIs('default/p')).toBeUndefined();
    expect(queue.lengths()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });
});
