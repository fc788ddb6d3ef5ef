import { describe, expect, it } from 'vitest';
import { WatchChannel } from './watch-channel.js';
import { WatchOverflowError } from './errors.js';
import type { WatchEvent } from './store.js';

function event(rev: number): WatchEvent {
  return { type: 'create', kv: { key: `/k${rev}`, value: 'v', createRevision: rev, modRevision: rev } };
}

describe('WatchChannel', () => {
  it('delivers in order and wakes a waiter', async () => {
    const ch = new WatchChannel('', 10);
    const waiting = ch.wait();
    ch.push(event(1));
    ch.push(event(2));
    await waiting;
    expect(ch.shift()?.kv.modRevision).toBe(1);
    expect(ch.shift()?.kv.modRevision).toBe(2);
    expect(ch.shift()).toBeUndefined();
  });

  it('keeps order across internal compaction of a long queue', () => {
    const ch = new WatchChannel('', 5_000);
    const got: number[] = [];
    for (let i = 1; i <= 3_000; i++) {
      ch.push(event(i));
      if (i % 2 === 0) got.push(ch.shift()!.kv.modRevision);
    }
    for (let e = ch.shift(); e; e = ch.shift()) got.push(e.kv.modRevision);
    expect(got).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
  });

  it('fails with WatchOverflowError past its limit and tells its owner once', async () => {
    let overflows = 0;
    const ch = new WatchChannel('', 3, () => overflows++);
    for (let i = 1; i <= 5; i++) ch.push(event(i));
    expect(overflows).toBe(1);
    await ch.wait();
    expect(() => ch.shift()).toThrow(WatchOverflowError);
    expect(() => ch.check()).toThrow(/fell more than 3 events behind/);
  });

  it('fails past maxBytes of buffered values, but takes one oversized event when empty', async () => {
    const big = (rev: number): WatchEvent => ({ type: 'create', kv: { key: '/k', value: 'x'.repeat(1_000), createRevision: rev, modRevision: rev } });
    const ch = new WatchChannel('', 100, () => {}, 500);
    ch.push(big(1));
    expect(ch.size).toBe(1);
    expect(ch.shift()?.kv.modRevision).toBe(1);
    expect(ch.bufferedBytes).toBe(0);
    ch.push(big(2));
    ch.push(big(3));
    expect(() => ch.shift()).toThrow(/buffered more than 500 bytes/);
  });

  it('end() releases a waiter and drops buffered events', async () => {
    const ch = new WatchChannel('', 10);
    ch.push(event(1));
    ch.end();
    await ch.wait();
    expect(ch.ended).toBe(true);
    expect(ch.shift()).toBeUndefined();
    ch.push(event(2));
    expect(ch.size).toBe(0);
  });
});
