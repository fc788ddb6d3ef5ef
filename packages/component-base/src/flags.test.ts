import { describe, expect, it } from 'vitest';
import { FlagError, durationFlag, helpText, intFlag, parseFlags } from './flags.js';

const specs = {
  port: { type: 'string', description: 'port to listen on', default: '6443' },
  'leader-elect': { type: 'boolean', description: 'elect a leader' },
} as const;

describe('flags', () => {
  it('parses both --flag value and --flag=value, with defaults', () => {
    expect(parseFlags(['--port', '0'], specs)).toMatchObject({ port: '0', help: false });
    expect(parseFlags(['--port=7000', '--leader-elect'], specs)).toMatchObject({ port: '7000', 'leader-elect': true });
    expect(parseFlags([], specs)).toMatchObject({ port: '6443' });
  });

  it('gives an absent boolean flag as false', () => {
    expect(parseFlags([], specs)['leader-elect']).toBe(false);
  });

  it('rejects unknown flags and stray arguments with a FlagError', () => {
    expect(() => parseFlags(['--nope'], specs)).toThrow(FlagError);
    expect(() => parseFlags(['extra'], specs)).toThrow(/unexpected argument "extra"/);
  });

  it('validates numbers and durations, naming the flag', () => {
    expect(intFlag('port', '8080', 1)).toBe(8080);
    expect(intFlag('port', undefined, 1)).toBe(1);
    expect(() => intFlag('port', '-1', 1)).toThrow(/--port must be a non-negative integer/);
    expect(durationFlag('period', '500ms', 0)).toBe(500);
    expect(durationFlag('period', '10s', 0)).toBe(10_000);
    expect(durationFlag('period', '5m', 0)).toBe(300_000);
    expect(durationFlag('period', '2', 0)).toBe(2000);
    // Go's time.ParseDuration forms, as Kubernetes prints and takes them.
    expect(durationFlag('period', '1h0m0s', 0)).toBe(3_600_000);
    expect(durationFlag('period', '1h30m', 0)).toBe(5_400_000);
    expect(durationFlag('period', '1.5h', 0)).toBe(5_400_000);
    expect(durationFlag('period', '2m3.5s', 0)).toBe(123_500);
    expect(durationFlag('period', '1500us', 0)).toBe(2);
    expect(durationFlag('period', '', 7)).toBe(7);
    for (const bad of ['soon', '5x', '1h 30m', 'm', '-5s', '10s5']) expect(() => durationFlag('period', bad, 0)).toThrow(/--period must be a duration/);
  });

  it('documents every flag in --help', () => {
    const text = helpText('kube-x', 'does x', specs);
    expect(text).toContain('--port PORT');
    expect(text).toContain('(default "6443")');
    expect(text).toContain('--leader-elect\n');
  });
});

describe('keyValueFlag', () => {
  it('parses k=v pairs and names the flag on a bad pair', async () => {
    const { keyValueFlag } = await import('./flags.js');
    expect(keyValueFlag('node-labels', 'a=b,zone=x=y')).toEqual({ a: 'b', zone: 'x=y' });
    expect(keyValueFlag('node-labels', undefined)).toEqual({});
    expect(() => keyValueFlag('node-labels', 'a=b,oops')).toThrow(/--node-labels: "oops" is not k=v/);
  });
});
