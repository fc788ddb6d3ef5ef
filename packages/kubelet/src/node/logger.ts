/**
 * The logging the node agent does: pino's `(fields, message)` shape, so the
 * kubelet passes its pino logger as it is. The default says nothing.
 */
export interface NodeLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export const silentLogger: NodeLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** The message of anything thrown, for log fields. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
