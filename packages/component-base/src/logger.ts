import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout, one line per record, with the component's
 * name on every line (fastify uses the same pino instance for request logs).
 */
export function createLogger(component: string, level: LevelWithSilent = 'info'): Logger {
  return pino({ name: component, level, base: { component, pid: process.pid } });
}
