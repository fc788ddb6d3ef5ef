/**
 * Cells that print timestamps as ages, the way Kubernetes' printers do.
 */
import { metaTime } from '@mk8s/api';
import { humanDuration } from './duration.js';

/** Epoch milliseconds of an RFC 3339 timestamp; undefined when absent or unreadable. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') {
    return undefined;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** "3m20s" since `timestamp`, or "<unknown>" when there is no timestamp. */
export function age(timestamp: unknown, now: number): string {
  const ms = parseTimestamp(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}

/**
 * Go's RFC 3339 rendering of a UTC time, second precision ("Created At"
 * cells); a missing timestamp renders as Go's zero time.
 */
export function rfc3339(timestamp: unknown): string {
  const ms = parseTimestamp(timestamp);
  if (ms === undefined) {
    return '0001-01-01T00:00:00Z';
  }
  return metaTime(ms);
}
