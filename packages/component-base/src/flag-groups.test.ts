import { describe, expect, it } from 'vitest';
import { clientFlags, leaderElectionFlags, loggingFlags, servingFlags } from './flag-groups.js';
import { FlagError, helpText, parseFlags } from './flags.js';

describe('loggingFlags', () => {
  const group = loggingFlags();

  it('defaults to info and takes any of the levels', () => {
    expect(group.parse(parseFlags([], group.flags))).toEqual({ level: 'info' });
    expect(group.parse(parseFlags(['--log-level', 'warn'], group.flags))).toEqual({ level: 'warn' });
    expect(group.parse(parseFlags(['--log-level=silent'], group.flags))).toEqual({ level: 'silent' });
  });

  it('rejects an unknown level with a FlagError naming the flag', () => {
    expect(() => group.parse(parseFlags(['--log-level', 'verbose'], group.flags))).toThrow(FlagError);
    expect(() => group.parse(parseFlags(['--log-level', 'verbose'], group.flags))).toThrow(/--log-level must be one of trace, .*, got "verbose"/);
    expect(() => group.parse(parseFlags(['--log-level='], group.flags))).toThrow(/--log-level/);
  });

  it('documents its default in --help', () => {
    expect(helpText('x', 'does x', group.flags)).toContain('--log-level LOG_LEVEL\n      trace, debug, info, warn, error, fatal or silent (default "info")');
  });
});

describe('clientFlags', () => {
  it('--kubeconfig, undefined by default ($KUBECONFIG)', () => {
    const group = clientFlags();
    expect(Object.keys(group.flags)).toEqual(['kubeconfig']);
    expect(group.parse(parseFlags([], group.flags))).toEqual({ kubeconfig: undefined });
    expect(group.parse(parseFlags(['--kubeconfig', '/tmp/kc'], group.flags))).toEqual({ kubeconfig: '/tmp/kc' });
  });

  it('with rate limits: --kube-api-qps and --kube-api-burst, defaults and explicit values', () => {
    const group = clientFlags({ qps: 50, burst: 100 });
    expect(Object.keys(group.flags)).toEqual(['kubeconfig', 'kube-api-qps', 'kube-api-burst']);
    expect(group.flags['kube-api-qps'].default).toBe('50');
    expect(group.parse(parseFlags([], group.flags))).toEqual({ kubeconfig: undefined, qps: 50, burst: 100 });
    expect(group.parse(parseFlags(['--kube-api-qps', '0', '--kube-api-burst=7'], group.flags))).toEqual({ kubeconfig: undefined, qps: 0, burst: 7 });
  });

  it('rejects a bad rate with a FlagError naming the flag', () => {
    const group = clientFlags({ qps: 50, burst: 100 });
    expect(() => group.parse(parseFlags(['--kube-api-qps', 'fast'], group.flags))).toThrow(FlagError);
    expect(() => group.parse(parseFlags(['--kube-api-qps', 'fast'], group.flags))).toThrow(/--kube-api-qps must be a non-negative integer/);
    expect(() => group.parse(parseFlags(['--kube-api-burst=-1'], group.flags))).toThrow(/--kube-api-burst must be a non-negative integer/);
  });
});

describe('leaderElectionFlags', () => {
  const group = leaderElectionFlags({ lockName: 'kube-scheduler', verb: 'schedule' });

  it('is off by default and names the Lease', () => {
    expect(group.parse(parseFlags([], group.flags))).toEqual({ leaderElect: false, lockName: 'kube-scheduler' });
    expect(group.parse(parseFlags(['--leader-elect'], group.flags))).toEqual({ leaderElect: true, lockName: 'kube-scheduler' });
    expect(group.flags['leader-elect'].description).toBe('schedule only while holding the Lease kube-system/kube-scheduler');
    expect(leaderElectionFlags({ lockName: 'x' }).flags['leader-elect'].description).toBe('run only while holding the Lease kube-system/x');
  });

  it('takes no value: --leader-elect=yes is a FlagError naming the flag', () => {
    expect(() => parseFlags(['--leader-elect=yes'], group.flags)).toThrow(FlagError);
    expect(() => parseFlags(['--leader-elect=yes'], group.flags)).toThrow(/leader-elect/);
  });
});

describe('servingFlags', () => {
  it('--port and --address with their defaults', () => {
    const group = servingFlags({ port: 10257 });
    expect(Object.keys(group.flags)).toEqual(['port', 'address']);
    expect(group.flags.port.default).toBe('10257');
    expect(group.parse(parseFlags([], group.flags))).toEqual({ port: 10257, host: '127.0.0.1' });
    expect(group.parse(parseFlags(['--port', '0', '--address', '0.0.0.0'], group.flags))).toEqual({ port: 0, host: '0.0.0.0' });
    // An empty value means the default, as intFlag has it.
    expect(group.parse(parseFlags(['--port='], group.flags))).toEqual({ port: 10257, host: '127.0.0.1' });
  });

  it('--bind-address instead of --address, and custom help', () => {
    const group = servingFlags({ port: 10256, addressFlag: 'bind-address', address: '::1', portDescription: 'P', addressDescription: 'A' });
    expect(Object.keys(group.flags)).toEqual(['port', 'bind-address']);
    expect(group.flags['bind-address']).toEqual({ type: 'string', description: 'A', default: '::1' });
    expect(group.parse(parseFlags([], group.flags))).toEqual({ port: 10256, host: '::1' });
    expect(group.parse(parseFlags(['--bind-address=127.0.0.2'], group.flags))).toEqual({ port: 10256, host: '127.0.0.2' });
    expect(() => parseFlags(['--address', 'x'], group.flags)).toThrow(FlagError);
  });

  it('rejects a bad port with a FlagError naming the flag', () => {
    const group = servingFlags({ port: 10259 });
    expect(() => group.parse(parseFlags(['--port', 'http'], group.flags))).toThrow(FlagError);
    expect(() => group.parse(parseFlags(['--port=-1'], group.flags))).toThrow(/--port must be a non-negative integer, got "-1"/);
  });
});

describe('groups in one table', () => {
  it('spread into an app table, each group parses its own flags', () => {
    const LOGGING = loggingFlags();
    const SERVING = servingFlags({ port: 10259 });
    const ELECTION = leaderElectionFlags({ lockName: 'kube-scheduler' });
    const CLIENT = clientFlags();
    const FLAGS = {
      ...CLIENT.flags,
      extra: { type: 'string', description: 'x', default: 'e' },
      ...ELECTION.flags,
      ...SERVING.flags,
      ...LOGGING.flags,
    } as const;
    const flags = parseFlags(['--kubeconfig', 'kc', '--leader-elect', '--port', '1', '--log-level', 'debug'], FLAGS);
    expect(flags.extra).toBe('e');
    expect(CLIENT.parse(flags)).toEqual({ kubeconfig: 'kc' });
    expect(ELECTION.parse(flags)).toEqual({ leaderElect: true, lockName: 'kube-scheduler' });
    expect(SERVING.parse(flags)).toEqual({ port: 1, host: '127.0.0.1' });
    expect(LOGGING.parse(flags)).toEqual({ level: 'debug' });
    expect(helpText('kube-scheduler', 'places pods', FLAGS).match(/^ {2}--[a-z-]+/gm)).toEqual([
      '  --kubeconfig',
      '  --extra',
      '  --leader-elect',
      '  --port',
      '  --address',
      '  --log-level',
      '  --help',
    ]);
  });
});
