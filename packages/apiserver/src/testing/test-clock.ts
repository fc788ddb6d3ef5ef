/**
 * A fixed clock for printer tests: `NOW` is the time tables are printed at
 * and `ago` gives the RFC 3339 timestamp a duration before it.
 */
export const NOW = Date.parse('2025-03-01T12:00:00Z');

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function ago(ms: number): string {
  return new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
