import { describe, expect, it } from 'vitest';
import { WorkQueue } from './queue.js';

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields to other tasks for a random number of microtask or macrotask turns. */
async function jitter(random: () => number): Promise<void> {
  const n = Math.floor(random() * 4);
  for (let i = 0; i < n; i++) {
    if (random() < 0.3) await new Promise((r) => setImmediate(r));
    else await Promise.resolve();
  }
}

describe('WorkQueue under concurrent producers and workers', () => {
  for (const seed of [1, 7, 42]) {
    it(`processes every key after its last add, never on two workers at once (seed ${seed})`, async () => {
      const random = rng(seed);
      const q = new WorkQueue<number>();
      const keys = 40;
      const producers = 6;
      const addsPerProducer = 400;
      const workers = 5;

      // One logical clock orders adds and processing starts.
      let tick = 0;
      const lastAdd = new Map<number, number>();
      const lastStart = new Map<number, number>();
      const active = new Set<number>();
      const violations: string[] = [];
      let processed = 0;
      let maxParallel = 0;

      const produce = async (): Promise<void> => {
        for (let i = 0; i < addsPerProducer; i++) {
          const k = Math.floor(random() * keys);
          lastAdd.set(k, ++tick);
          q.add(k);
          await jitter(random);
        }
      };

      const work = async (): Promise<void> => {
        for (;;) {
          const item = await q.get();
          if (item.shutdown) return;
          const k = item.key;
          if (active.has(k)) violations.push(`key ${k} held by two workers`);
          active.add(k);
          maxParallel = Math.max(maxParallel, active.size);
          lastStart.set(k, ++tick);
          await jitter(random);
          active.delete(k);
          processed++;
          q.done(k);
        }
      };

      const running = Array.from({ length: workers }, work);
      await Promise.all(Array.from({ length: producers }, produce));
      // All adds are made; shutting down lets workers finish what is queued or re-added, then exit.
      await q.shutDownWithDrain();
      await Promise.all(running);

      expect(violations).toEqual([]);
      expect(maxParallel).toBeGreaterThan(1);
      expect(q.len()).toBe(0);
      expect(processed).toBeLessThanOrEqual(producers * addsPerProducer);
      for (const [k, added] of lastAdd) {
        expect(lastStart.get(k), `key ${k}`).toBeGreaterThan(added);
      }
      expect(await q.get()).toEqual({ shutdown: true });
    });
  }
});
