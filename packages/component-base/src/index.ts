/**
 * @mk8s/component-base: what every mk8s executable shares (Kubernetes'
 * k8s.io/component-base): flags, structured logs, and a main loop with
 * graceful shutdown.
 *
 * @example
 * ```ts
 * import { createLogger, loggingFlags, parseFlags, runMain, aborted } from '@mk8s/component-base';
 * const LOGGING = loggingFlags();
 * const flags = parseFlags(process.argv.slice(2), { port: { type: 'string', description: 'port', default: '10250' }, ...LOGGING.flags });
 * const log = createLogger('my-component', LOGGING.parse(flags).level);
 * await runMain({ name: 'my-component', log, run: async (signal) => { await aborted(signal); } });
 * ```
 */
export { createLogger, type Logger } from './logger.js';
export { FlagError, durationFlag, helpText, intFlag, keyValueFlag, parseFlags, type FlagSpec, type FlagValues } from './flags.js';
export {
  LOG_LEVELS,
  clientFlags,
  leaderElectionFlags,
  loggingFlags,
  servingFlags,
  type AddressFlag,
  type ClientOptions,
  type ClientRateLimitOptions,
  type FlagGroup,
  type LeaderElectionOptions,
  type LoggingOptions,
  type LogLevel,
  type ServingFlagOptions,
  type ServingOptions,
} from './flag-groups.js';
export { reportFatal, runMain, type MainOptions } from './run.js';
// Re-exported for components: the helper lives in the client package, which the base layer shares.
export { aborted, every } from '@mk8s/client';
export { errorMessage } from '@mk8s/api';
export { startHealthServer, type HealthCheck, type HealthServer, type HealthServerOptions } from './health-server.js';
export { LeadershipLostError, apiLeaseClient, runElected, serveElected, type RunElectedOptions, type ServeElectedOptions } from './run-elected.js';
export { canMount, ensureTmpfs, isMountPoint, mountsUnder, unmountAll, unmountUnder } from './mounts.js';
