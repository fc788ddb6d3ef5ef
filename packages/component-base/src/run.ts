/**
 * The main loop every executable shares: parse flags, build the component,
 * `run(signal)` until SIGTERM or SIGINT, shut down gracefully, exit with a
 * code that says how it ended (0 clean, 1 failure, 2 bad flags). A second
 * signal during shutdown exits at once.
 */
import type { Logger } from 'pino';
import { FlagError } from './flags.js';

export interface MainOptions {
  name: string;
  /** Runs the component until `signal` aborts; resolving ends the process with 0. */
  run(signal: AbortSignal): Promise<void>;
  log?: Logger;
}

export async function runMain(opts: MainOptions): Promise<void> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      opts.log?.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(1);
    }
    opts.log?.info({ signal: sig }, 'shutting down');
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await opts.run(controller.signal);
    opts.log?.info('stopped');
    process.exitCode = 0;
  } catch (err) {
    reportFatal(opts.name, err, opts.log);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** Prints a startup or runtime failure and sets the exit code (2 for flag errors). */
export function reportFatal(name: string, err: unknown, log?: Logger): void {
  if (err instanceof FlagError) {
    console.error(`${name}: ${err.message} (see --help)`);
    process.exitCode = 2;
    return;
  }
  if (log) log.fatal({ err }, 'failed');
  else console.error(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
}
