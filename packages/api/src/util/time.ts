/**
 * Kubernetes' wire forms of time. metav1.Time (creationTimestamp, condition
 * transition times, lastHeartbeatTime...) is RFC 3339 with whole seconds,
 * the fraction truncated; metav1.MicroTime (Lease renewTime, Event
 * eventTime) keeps six fractional digits.
 */

/** metav1.Time of `ms` since the epoch: `2026-01-02T03:04:05Z` (truncated to the second). */
export function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** metav1.MicroTime of `ms` since the epoch: `2026-01-02T03:04:05.678000Z`. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
