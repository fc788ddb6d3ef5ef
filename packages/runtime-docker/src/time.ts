/**
 * Time conversions between Docker (RFC 3339 strings with nanoseconds) and CRI
 * (int64 nanoseconds since the epoch, carried as a JS number because the CRI
 * package decodes longs as Number; that keeps about 256 ns of precision).
 */

const ZERO_TIME_PREFIX = '0001-01-01';
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses Docker's RFC3339Nano time to ns since the epoch; Docker's zero time and garbage give 0. */
export function rfc3339ToNs(value: string | undefined | null): number {
  if (!value || value.startsWith(ZERO_TIME_PREFIX)) return 0;
  const m = RFC3339.exec(value);
  if (!m) return 0;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return 0;
  const fraction = Number((m[2] ?? '').padEnd(9, '0'));
  return ms * 1e6 + fraction;
}

let lastNs = 0;

/**
 * Now in ns, strictly increasing within this process (steps of at least 1 us,
 * above the precision a number keeps), so objects created in the same
 * millisecond still sort by creation order.
 */
export function nowNs(): number {
  const now = Date.now() * 1e6;
  lastNs = now > lastNs ? now : lastNs + 1000;
  return lastNs;
}

/**
 * Docker's `since` query value (`seconds.nanoseconds`) for the instant one
 * nanosecond after an RFC3339Nano time. Computed on the text, because a ns
 * count as a JS number cannot hold that extra nanosecond; Docker includes
 * entries at exactly `since`, so this is what skips the entry itself.
 */
export function dockerSinceAfter(value: string | undefined): string | undefined {
  const m = value ? RFC3339.exec(value) : null;
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  let seconds = Math.floor(ms / 1000);
  let nanos = Number((m[2] ?? '').padEnd(9, '0')) + 1;
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return `${seconds}.${String(nanos).padStart(9, '0')}`;
}
