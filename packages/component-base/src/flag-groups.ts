/**
 * The flag sets several executables share, one group each: the group's
 * entries go into the app's flag table (spread them where they should appear
 * in `--help`), and its `parse` turns the parsed values into typed options,
 * throwing a FlagError that names the flag for a bad value. Each default is
 * written once, in the group's entry.
 *
 * @example
 * ```ts
 * const LOGGING = loggingFlags();
 * const SERVING = servingFlags({ port: 10259 });
 * const FLAGS = { ...clientFlags().flags, ...SERVING.flags, ...LOGGING.flags } as const;
 * const flags = parseFlags(process.argv.slice(2), FLAGS);
 * const log = createLogger('kube-scheduler', LOGGING.parse(flags).level);
 * const { port, host } = SERVING.parse(flags);
 * ```
 */
import type { LevelWithSilent } from 'pino';
import { FlagError, intFlag, type FlagSpec, type FlagValues } from './flags.js';

/** A group of flags: its table entries and the parser of their values. */
export interface FlagGroup<S extends Record<string, FlagSpec>, O> {
  /** Entries for the app's flag table (parseFlags, helpText). */
  readonly flags: S;
  /** The group's options from parseFlags' result (which holds the app's other flags too). */
  parse(values: FlagValues<S>): O;
}

interface StringFlag {
  readonly type: 'string';
  readonly description: string;
}
interface DefaultedStringFlag extends StringFlag {
  readonly default: string;
}
interface BooleanFlag {
  readonly type: 'boolean';
  readonly description: string;
}

// --- logging -------------------------------------------------------------

/** pino's levels, most verbose first; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const satisfies readonly LevelWithSilent[];
export type LogLevel = (typeof LOG_LEVELS)[number];

const isLogLevel = (value: string): value is LogLevel => (LOG_LEVELS as readonly string[]).includes(value);

export interface LoggingOptions {
  level: LogLevel;
}

type LoggingSpecs = { readonly 'log-level': DefaultedStringFlag };

/** `--log-level` (default info), for `createLogger(name, level)`. */
export function loggingFlags(): FlagGroup<LoggingSpecs, LoggingOptions> {
  return {
    flags: { 'log-level': { type: 'string', description: 'trace, debug, info, warn, error, fatal or silent', default: 'info' } },
    parse(values) {
      const level = values['log-level'];
      if (!isLogLevel(level)) throw new FlagError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
      return { level };
    },
  };
}

// --- API client ----------------------------------------------------------

export interface ClientOptions {
  /** The kubeconfig file for loadKubeconfig; undefined: $KUBECONFIG, then ~/.kube/config. */
  kubeconfig: string | undefined;
}

/** Rate limits of the component's API clients, for its ClientConfig. */
export interface ClientRateLimitOptions {
  qps: number;
  burst: number;
}

type ClientSpecs = { readonly kubeconfig: StringFlag };
type ClientRateLimitSpecs = { readonly 'kube-api-qps': DefaultedStringFlag; readonly 'kube-api-burst': DefaultedStringFlag };

/**
 * `--kubeconfig`; given default rate limits, also `--kube-api-qps` and
 * `--kube-api-burst` (non-negative integers).
 */
export function clientFlags(): FlagGroup<ClientSpecs, ClientOptions>;
export function clientFlags(rateLimit: ClientRateLimitOptions): FlagGroup<ClientSpecs & ClientRateLimitSpecs, ClientOptions & ClientRateLimitOptions>;
export function clientFlags(
  rateLimit?: ClientRateLimitOptions,
): FlagGroup<ClientSpecs & Partial<ClientRateLimitSpecs>, ClientOptions & Partial<ClientRateLimitOptions>> {
  const kubeconfig: ClientSpecs = { kubeconfig: { type: 'string', description: 'kubeconfig of the API server (default $KUBECONFIG)' } };
  if (!rateLimit) return { flags: kubeconfig, parse: (values) => ({ kubeconfig: values.kubeconfig }) };
  return {
    flags: {
      ...kubeconfig,
      'kube-api-qps': { type: 'string', description: 'requests per second to the API server', default: String(rateLimit.qps) },
      'kube-api-burst': { type: 'string', description: 'requests allowed in a burst above --kube-api-qps', default: String(rateLimit.burst) },
    },
    parse: (values) => ({
      kubeconfig: values.kubeconfig,
      qps: intFlag('kube-api-qps', values['kube-api-qps'], rateLimit.qps),
      burst: intFlag('kube-api-burst', values['kube-api-burst'], rateLimit.burst),
    }),
  };
}

// --- leader election -----------------------------------------------------

export interface LeaderElectionOptions {
  leaderElect: boolean;
  /** The Lease's name in kube-system. */
  lockName: string;
}

type LeaderElectionSpecs = { readonly 'leader-elect': BooleanFlag };

/**
 * `--leader-elect`: work only while holding the Lease kube-system/<lockName>.
 * The options spread into serveElected/runElected. `verb` words the help
 * text ("schedule only while holding ..."; default "run").
 */
export function leaderElectionFlags(opts: { lockName: string; verb?: string }): FlagGroup<LeaderElectionSpecs, LeaderElectionOptions> {
  return {
    flags: { 'leader-elect': { type: 'boolean', description: `${opts.verb ?? 'run'} only while holding the Lease kube-system/${opts.lockName}` } },
    parse: (values) => ({ leaderElect: values['leader-elect'] === true, lockName: opts.lockName }),
  };
}

// --- serving (health and metrics) ----------------------------------------

export interface ServingOptions {
  port: number;
  host: string;
}

/** The flag naming the listen address: `address` (the default) or, as kube-proxy and the API server call it, `bind-address`. */
export type AddressFlag = 'address' | 'bind-address';

type ServingSpecs<A extends AddressFlag> = { readonly port: DefaultedStringFlag } & { readonly [K in A]: DefaultedStringFlag };

export interface ServingFlagOptions<A extends AddressFlag> {
  /** Default port; 0 lets the kernel pick one. */
  port: number;
  /** Default listen address; default 127.0.0.1. */
  address?: string;
  addressFlag?: A;
  /** Help texts; by default those of a health and metrics server. */
  portDescription?: string;
  addressDescription?: string;
}

/**
 * `--port` (a non-negative integer; 0 picks a free port) and `--address` (or
 * `--bind-address`) of the server a component listens on: by default its
 * health and metrics server (/healthz, /readyz, /metrics). The options
 * spread into HealthServerOptions.
 */
export function servingFlags<A extends AddressFlag = 'address'>(opts: ServingFlagOptions<A>): FlagGroup<ServingSpecs<A>, ServingOptions> {
  const addressFlag = opts.addressFlag ?? ('address' as A);
  const address: DefaultedStringFlag = {
    type: 'string',
    description: opts.addressDescription ?? 'address the health server listens on',
    default: opts.address ?? '127.0.0.1',
  };
  const flags = {
    port: { type: 'string', description: opts.portDescription ?? 'port of /healthz and /metrics; 0 picks a free one', default: String(opts.port) },
    [addressFlag]: address,
  } as ServingSpecs<A>;
  return {
    flags,
    parse: (values) => {
      // FlagValues of a generic table does not resolve: both flags have defaults, so both are strings.
      const v = values as unknown as Record<'port' | AddressFlag, string>;
      return { port: intFlag('port', v.port, opts.port), host: v[addressFlag] };
    },
  };
}
