import { describe, expect, it } from 'vitest';
import { formatCriLogLine, formatCriLogRecords, formatCriTimestamp, parseCriLogLine } from './log-format.js';

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

describe('CRI log format', () => {
  it('formats RFC 3339 timestamps with nine fractional digits in UTC', () => {
    expect(formatCriTimestamp(T)).toBe('2026-01-02T03:04:05.678000000Z');
    expect(formatCriTimestamp(T, 123_456)).toBe('2026-01-02T03:04:05.678123456Z');
  });

  it('writes one full record per line', () => {
    expect(formatCriLogLine(T, 'stdout', 'hello')).toBe('2026-01-02T03:04:05.678000000Z stdout F hello\n');
  });

  it('splits output into full lines and a partial rest', () => {
    const out = formatCriLogRecords(T, 'stderr', 'a\n\nb\ntail');
    expect(
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.slice(31)),
    ).toEqual(['stderr F a', 'stderr F ', 'stderr F b', 'stderr P tail']);
    expect(formatCriLogRecords(T, 'stdout', '')).toBe('');
  });

  it('parses what it writes, keeping the content verbatim', () => {
    const line = formatCriLogLine(T, 'stdout', ' spaced  out ').trimEnd();
    expect(parseCriLogLine(line)).toEqual({
      timestamp: '2026-01-02T03:04:05.678000000Z',
      time: T,
      stream: 'stdout',
      tag: 'F',
      content: ' spaced  out',
    });
  });

  it('parses records written by other runtimes (offsets, trimmed fractions)', () => {
    const p = parseCriLogLine('2026-01-02T04:04:05.5+01:00 stderr P x y');
    expect(p).toMatchObject({ time: Date.UTC(2026, 0, 2, 3, 4, 5, 500), stream: 'stderr', tag: 'P', content: 'x y' });
  });

  it('rejects lines that are not CRI records', () => {
    expect(parseCriLogLine('hello')).toBeUndefined();
    expect(parseCriLogLine('2026-01-02T03:04:05Z stdin F x')).toBeUndefined();
    expect(parseCriLogLine('2026-01-02T03:04:05Z stdout X x')).toBeUndefined();
    expect(parseCriLogLine('2026-13-45T03:04:05Z stdout F x')).toBeUndefined();
  });
});
