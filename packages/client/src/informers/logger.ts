/**
 * The little logging the informer machinery does: a watch that failed, a
 * handler that threw. The shape is pino's `(fields, message)`, so a component
 * passes its pino logger as it is; the default writes to the console.
 */
export interface InformerLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export const consoleLogger: InformerLogger = {
  warn: (fields, msg) => console.warn(msg, fields),
  error: (fields, msg) => console.error(msg, fields),
};
