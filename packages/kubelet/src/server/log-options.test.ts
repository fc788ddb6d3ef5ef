import { describe, expect, it } from 'vitest';
import { LogOptionsError, parseLogOptions } from './log-options.js';

const NOW = Date.parse('2026-01-02T03:04:05Z');

describe('parseLogOptions', () => {
  it('defaults everything off', () => {
    expect(parseLogOptions({}, NOW)).toEqual({ follow: false, previous: false, timestamps: false });
  });

  it('parses booleans and numbers the way kubectl sends them', () => {
    const o = parseLogOptions({ follow: 'true', previous: '1', timestamps: '', tailLines: '10', limitBytes: '500', sinceSeconds: '60' }, NOW);
    expect(o).toEqual({ follow: true, previous: true, timestamps: true, tailLines: 10, limitBytes: 500, sinceMs: NOW - 60_000 });
    expect(parseLogOptions({ follow: 'false', tailLines: '0' }, NOW)).toMatchObject({ follow: false, tailLines: 0 });
  });

  it('reads booleans as the kubelet decodes PodLogOptions: false only for 0 and false in any case', () => {
    for (const v of ['True', 'TRUE', 't', '1', 'yes', '']) {
      expect(parseLogOptions({ follow: v, previous: v, timestamps: v }, NOW), v).toEqual({ follow: true, previous: true, timestamps: true });
    }
    for (const v of ['false', 'False', 'FALSE', '0']) {
      expect(parseLogOptions({ follow: v, previous: v, timestamps: v }, NOW), v).toEqual({ follow: false, previous: false, timestamps: false });
    }
    expect(parseLogOptions({ follow: ['False', 'true'] }, NOW).follow).toBe(false);
  });

  it('takes the first of repeated values', () => {
    expect(parseLogOptions({ tailLines: ['3', '7'] }, NOW).tailLines).toBe(3);
  });

  it('parses sinceTime with a zone, keeping the instant', () => {
    expect(parseLogOptions({ sinceTime: '2026-01-02T04:04:05+01:00' }, NOW).sinceMs).toBe(NOW);
    expect(parseLogOptions({ sinceTime: '2026-01-02T03:04:05.5Z' }, NOW).sinceMs).toBe(NOW + 500);
  });

  it.each([
    [{ tailLines: 'ten' }, /tailLines must be an integer/],
    [{ tailLines: '-1' }, /tailLines must be greater than or equal to 0/],
    [{ limitBytes: '0' }, /limitBytes must be greater than 0/],
    [{ sinceSeconds: '0' }, /sinceSeconds must be greater than 0/],
    [{ sinceSeconds: '1.5' }, /sinceSeconds must be an integer/],
    [{ sinceTime: 'yesterday' }, /sinceTime must be an RFC 3339 time/],
    [{ sinceTime: '2026-01-02T03:04:05' }, /sinceTime must be an RFC 3339 time/],
    [{ sinceSeconds: '5', sinceTime: '2026-01-02T03:04:05Z' }, /at most one of sinceTime or sinceSeconds/],
  ])('rejects %o', (query, message) => {
    expect(() => parseLogOptions(query, NOW)).toThrow(LogOptionsError);
    expect(() => parseLogOptions(query, NOW)).toThrow(message);
  });
});
