import { describe, expect, it } from 'vitest';
import { parseCriLogLine } from '@mk8s/cri';
import { lastEntryTime, toCriLogEntries } from './cri-log-format.js';

describe('toCriLogEntries', () => {
  it('turns a timestamped Docker frame into one full CRI entry', () => {
    const out = toCriLogEntries('2024-05-01T10:00:00.123456789Z hello world\n', 'stdout');
    expect(out).toBe('2024-05-01T10:00:00.123456789Z stdout F hello world\n');
    expect(parseCriLogLine(out.trimEnd())).toMatchObject({ stream: 'stdout', tag: 'F', content: 'hello world' });
  });

  it('marks a frame without a newline as partial', () => {
    expect(toCriLogEntries('2024-05-01T10:00:00Z part', 'stderr')).toBe('2024-05-01T10:00:00.000000000Z stderr P part\n');
  });

  it('splits several lines, each keeping its own timestamp', () => {
    const out = toCriLogEntries('2024-05-01T10:00:00Z a\n2024-05-01T10:00:01.12Z b\n', 'stdout');
    expect(out.split('\n').filter(Boolean)).toEqual(['2024-05-01T10:00:00.000000000Z stdout F a', '2024-05-01T10:00:01.120000000Z stdout F b']);
  });

  it('stamps lines without a Docker timestamp with now', () => {
    expect(toCriLogEntries('raw\n', 'stdout', () => 'T')).toBe('T stdout F raw\n');
  });

  it('keeps empty lines and ignores empty chunks', () => {
    expect(toCriLogEntries('2024-05-01T10:00:00.5Z \n', 'stdout')).toBe('2024-05-01T10:00:00.500000000Z stdout F \n');
    expect(toCriLogEntries('', 'stdout')).toBe('');
  });
});

describe('lastEntryTime', () => {
  it('reads the timestamp of the last entry', () => {
    expect(lastEntryTime('2024-05-01T10:00:00Z stdout F a\n2024-05-01T10:00:02.5Z stderr F b\n')).toBe('2024-05-01T10:00:02.5Z');
    expect(lastEntryTime('')).toBeUndefined();
  });
});
