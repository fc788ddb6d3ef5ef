/** RFC 3339 with second precision, as Kubernetes serialises metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** CRI timestamps are nanoseconds since the epoch; 0 means "never". */
export function nsToMs(ns: number): number {
  return Math.floor(ns / 1_000_000);
}
