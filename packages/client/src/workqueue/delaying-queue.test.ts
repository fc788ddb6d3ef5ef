import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { DelayingQueue } from './delaying-queue.js';

async function drain(q: DelayingQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.len() > 0) {
    const item = await q.get();
    if (item.shutdown) break;
    keys.push(item.key);
    q.done(item.key);
  }
  return keys;
}

describe('DelayingQueue', () => {
  it('adds a key only once its delay has passed', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 100);
    expect(q.len()).toBe(0);
    expect(q.waitingLen()).toBe(1);
    await clock.advance(99);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.waitingLen()).toBe(0);
    expect(await drain(q)).toEqual(['a']);
  });

  it('adds keys in order of ready time, ties in call order', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('c', 300);
    q.addAfter('a', 100);
    q.addAfter('b', 200);
    q.addAfter('b2', 200);
    await clock.advance(150);
    expect(await drain(q)).toEqual(['a']);
    await clock.advance(1000);
    expect(await drain(q)).toEqual(['b', 'b2', 'c']);
  });

  it('keeps the earlier ready time when a key is added after twice', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('late-then-early', 500);
    q.addAfter('late-then-early', 100);
    q.addAfter('early-then-late', 100);
    q.addAfter('early-then-late', 500);
    expect(q.waitingLen()).toBe(2);
    await clock.advance(100);
    expect(await drain(q)).toEqual(['late-then-early', 'early-then-late']);
    await clock.advance(1000);
    expect(q.len()).toBe(0);
    expect(q.waitingLen()).toBe(0);
  });

  it('adds at once for a zero or negative delay', () => {
    const q = new DelayingQueue({ clock: new FakeClock() });
    q.addAfter('a', 0);
    q.addAfter('b', -5);
    expect(q.len()).toBe(2);
  });

  it('waits on a single timer however many keys are waiting', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    for (let i = 0; i < 50; i++) q.addAfter(`k${i}`, 1000 - i);
    expect(clock.waiting).toBe(1);
    await clock.advance(1000);
    expect(q.len()).toBe(50);
    expect(clock.waiting).toBe(0);
  });

  it('dedupes a delayed add against the same key already pending', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.add('a');
    q.addAfter('a', 10);
    await clock.advance(10);
    expect(q.len()).toBe(1);
  });

  it('holds a delayed key that comes due while a worker has it until done', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.add('a');
    const first = await q.get();
    expect(first).toEqual({ key: 'a', shutdown: false });
    q.addAfter('a', 10);
    await clock.advance(10);
    expect(q.len()).toBe(0);
    q.done('a');
    expect(await drain(q)).toEqual(['a']);
  });

  it('drops waiting keys and cancels its timer on shutdown', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 100);
    q.shutDown();
    q.addAfter('b', 0);
    expect(clock.waiting).toBe(0);
    await clock.advance(1000);
    expect(q.len()).toBe(0);
    expect(await q.get()).toEqual({ shutdown: true });
  });
});
