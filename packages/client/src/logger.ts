/**
 * The one logging shape every mk8s library takes: pino's, a fields object
 * first and the message second, with `child` for loggers that add fields
 * (a component's logger hands `log.child({ controller: 'replicaset' })` to
 * each controller). A pino Logger is one as it is; `silentLogger`, the
 * default of every library, discards everything.
 */
export interface Logger {
  debug(fields: object, msg?: string): void;
  info(fields: object, msg?: string): void;
  warn(fields: object, msg?: string): void;
  error(fields: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

const discard = (): void => {};

/** A Logger that writes nothing (the default wherever none is given). */
export const silentLogger: Logger = { debug: discard, info: discard, warn: discard, error: discard, child: () => silentLogger };
