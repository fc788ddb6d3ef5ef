import { describe, expect, it } from 'vitest';
import { humanDuration } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [45 * s, '45s'],
    [119 * s + 999, '119s'],
    [2 * m, '2m'],
    [3 * m + 20 * s, '3m20s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [5 * h + 2 * m, '5h2m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h, '8h'],
    [47 * h + 59 * m, '47h'],
    [48 * h, '2d'],
    [3 * d + 4 * h, '3d4h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [400 * d, '400d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [2 * 365 * d + 15 * d, '2y15d'],
    [8 * 365 * d, '8y'],
    [20 * 365 * d + 100 * d, '20y'],
  ])('%d ms is %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });

  it('tolerates up to one second of clock skew, then says <invalid>', () => {
    expect(humanDuration(-500)).toBe('0s');
    expect(humanDuration(-1999)).toBe('0s');
    expect(humanDuration(-2000)).toBe('<invalid>');
    expect(humanDuration(-5 * m)).toBe('<invalid>');
  });
});
