import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RETAIN_MS, RetentionPlanner, startCompactor } from './compactor.js';
import { openMemoryStore } from './memory-store.js';
import type { LevelStore } from './level-store.js';

describe('RetentionPlanner', () => {
  it('keeps the last N revisions', () => {
    const planner = new RetentionPlanner(100);
    planner.record(0, 50);
    expect(planner.target(0, 50)).toBe(0);
    expect(planner.target(0, 250)).toBe(150);
  });

  it('keeps the last retainMs of history using revision-at-time samples', () => {
    const planner = new RetentionPlanner(undefined, 1_000);
    planner.record(0, 10);
    planner.record(500, 20);
    planner.record(1_200, 35);
    expect(planner.target(900, 35)).toBe(0); // nothing is a second old yet
    expect(planner.target(1_000, 35)).toBe(10);
    expect(planner.target(1_600, 40)).toBe(20);
    expect(planner.target(5_000, 90)).toBe(35);
  });

  it('defaults to a five minute window and lets the larger history win when both are set', () => {
    const byTime = new RetentionPlanner();
    byTime.record(0, 7);
    expect(byTime.target(DEFAULT_RETAIN_MS - 1, 100)).toBe(0);
    expect(byTime.target(DEFAULT_RETAIN_MS, 100)).toBe(7);

    const both = new RetentionPlanner(10, 1_000);
    both.record(0, 50);
    expect(both.target(2_000, 55)).toBe(45); // revisions keep more than time here
    expect(both.target(2_000, 100)).toBe(50); // time keeps more here
  });
});

describe('startCompactor', () => {
  let store: LevelStore | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('compacts periodically, keeping the last N revisions', async () => {
    store = await openMemoryStore();
    const s = store;
    for (let i = 0; i < 20; i++) await s.create(`/c/${i}`, 'v');
    const stop = startCompactor(s, { intervalMs: 10, retainRevisions: 5 });
    await vi.waitFor(() => expect(s.compactedRevision()).toBe(15), { timeout: 2_000 });
    for (let i = 20; i < 30; i++) await s.create(`/c/${i}`, 'v');
    await vi.waitFor(() => expect(s.compactedRevision()).toBe(25), { timeout: 2_000 });
    await stop();
    for (let i = 30; i < 40; i++) await s.create(`/c/${i}`, 'v');
    await new Promise((r) => setTimeout(r, 50));
    expect(s.compactedRevision()).toBe(25);
    expect(await s.count('/c/')).toBe(40);
  });

  it('compacts by age with an injected clock and reports failures', async () => {
    store = await openMemoryStore();
    const s = store;
    let now = 0;
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) await s.create(`/t/${i}`, 'v');
    const stop = startCompactor(s, { intervalMs: 5, retainMs: 60_000, now: () => now, onError: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 30));
    now = 1_000;
    for (let i = 5; i < 8; i++) await s.create(`/t/${i}`, 'v');
    expect(s.compactedRevision()).toBe(0);
    now = 60_000;
    await vi.waitFor(() => expect(s.compactedRevision()).toBe(5), { timeout: 2_000 });
    await stop();

    // A store that fails compaction: the error reaches onError and the loop goes on.
    const failing = {
      currentRevision: () => 10,
      compactedRevision: () => 0,
      compact: () => Promise.reject(new Error('disk on fire')),
    };
    const stop2 = startCompactor(failing as unknown as LevelStore, { intervalMs: 5, retainRevisions: 1, onError: (e) => errors.push(e) });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2), { timeout: 2_000 });
    await stop2();
    expect(String(errors[0])).toMatch(/disk on fire/);
  });
});
