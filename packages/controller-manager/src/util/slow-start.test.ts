import { errorMessage } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { slowStartBatch } from './slow-start.js';

describe('slowStartBatch', () => {
  it('runs batches of 1, 2, 4, ... until count is reached', async () => {
    const batches: number[] = [];
    let inFlight = 0;
    let current = 0;
    const result = await slowStartBatch(10, 1, async () => {
      inFlight++;
      current = Math.max(current, inFlight);
      await Promise.resolve();
      inFlight--;
      if (inFlight === 0) {
        batches.push(current);
        current = 0;
      }
    });
    expect(result).toEqual({ successes: 10 });
    expect(batches).toEqual([1, 2, 4, 3]);
  });

  it('stops after the first batch with a failure', async () => {
    let calls = 0;
    const result = await slowStartBatch(100, 1, async (i) => {
      calls++;
      if (i >= 3) throw new Error('quota exceeded');
    });
    // Batches 1 (ok), 2 (ok), 4 (all failed); then it stops.
    expect(calls).toBe(7);
    expect(result.successes).toBe(3);
    expect(errorMessage(result.error)).toBe('quota exceeded');
  });

  it('does nothing for a count of 0', async () => {
    expect(await slowStartBatch(0, 1, async () => {})).toEqual({ successes: 0 });
  });
});
