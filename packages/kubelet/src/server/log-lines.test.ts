import { describe, expect, it } from 'vitest';
import { LogLineAssembler, fixedTimestamp, renderLogLine } from './log-lines.js';

const T1 = '2026-01-02T03:04:05.000000001Z';
const T2 = '2026-01-02T03:04:06.000000002Z';
const T3 = '2026-01-02T03:04:07.000000003Z';

describe('LogLineAssembler', () => {
  it('turns F records into lines with their timestamp', () => {
    const a = new LogLineAssembler();
    expect(a.push(`${T1} stdout F hello world`)).toEqual({ timestamp: T1, time: Date.parse(T1), stream: 'stdout', text: 'hello world' });
    expect(a.push(`${T2} stderr F `)).toMatchObject({ stream: 'stderr', text: '' });
  });

  it('joins P fragments with the same stream’s next record, stamped when the line began', () => {
    const a = new LogLineAssembler();
    expect(a.push(`${T1} stdout P hel`)).toBeUndefined();
    expect(a.push(`${T2} stderr F oops`)).toMatchObject({ stream: 'stderr', text: 'oops', timestamp: T2 });
    expect(a.push(`${T2} stdout P lo `)).toBeUndefined();
    expect(a.push(`${T3} stdout F world`)).toMatchObject({ stream: 'stdout', text: 'hello world', timestamp: T1 });
  });

  it('skips records that are not in CRI format and tolerates CRLF', () => {
    const a = new LogLineAssembler();
    expect(a.push('not a log line')).toBeUndefined();
    expect(a.push(`${T1} stdout X bad tag`)).toBeUndefined();
    expect(a.push(`${T1} stdout F windows\r`)).toMatchObject({ text: 'windows' });
  });

  it('flush ends unfinished lines, oldest first', () => {
    const a = new LogLineAssembler();
    a.push(`${T2} stdout P out`);
    a.push(`${T1} stderr P err`);
    expect(a.flush().map((l) => l.text)).toEqual(['err', 'out']);
    expect(a.flush()).toEqual([]);
  });
});

describe('renderLogLine / fixedTimestamp', () => {
  it('renders with and without the timestamp prefix', () => {
    const line = { timestamp: T1, time: Date.parse(T1), stream: 'stdout' as const, text: 'hi' };
    expect(renderLogLine(line, false)).toBe('hi\n');
    expect(renderLogLine(line, true)).toBe(`${T1} hi\n`);
  });

  it('normalises timestamps to UTC with nine fractional digits', () => {
    expect(fixedTimestamp(T1, Date.parse(T1))).toBe(T1);
    const short = '2026-01-02T03:04:05.5Z';
    expect(fixedTimestamp(short, Date.parse(short))).toBe('2026-01-02T03:04:05.500000000Z');
    const zoned = '2026-01-02T04:04:05.123456789+01:00';
    expect(fixedTimestamp(zoned, Date.parse(zoned))).toBe('2026-01-02T03:04:05.123456789Z');
    const none = '2026-01-02T03:04:05Z';
    expect(fixedTimestamp(none, Date.parse(none))).toBe('2026-01-02T03:04:05.000000000Z');
  });
});
