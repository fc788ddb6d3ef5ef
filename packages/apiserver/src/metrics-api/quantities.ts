/**
 * Usage figures as Kubernetes quantities, in the forms metrics-server
 * serves: CPU as a decimal quantity built from nanocores ("12345n", which
 * canonicalises to "5m" or "2" when it divides evenly), memory as a binary
 * quantity built from bytes ("1234Ki", or plain bytes when not a multiple
 * of 1024).
 */

const DECIMAL_SUFFIXES = ['n', 'u', 'm', ''] as const;
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

/** Nanocores (1e9 = one core) as a canonical decimal quantity. */
export function cpuQuantity(nanocores: number): string {
  let n = Math.max(0, Math.round(nanocores));
  if (n === 0) return '0';
  let i = 0;
  while (i < DECIMAL_SUFFIXES.length - 1 && n % 1000 === 0) {
    n /= 1000;
    i++;
  }
  return `${n}${DECIMAL_SUFFIXES[i]}`;
}

/** Bytes as a canonical binary quantity. */
export function memoryQuantity(bytes: number): string {
  let n = Math.max(0, Math.round(bytes));
  if (n === 0) return '0';
  let i = 0;
  while (i < BINARY_SUFFIXES.length - 1 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n}${BINARY_SUFFIXES[i]}`;
}

/** A duration in ms as a Go duration string ("10s", "1.5s", "1m0s"), as `window` is printed. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const minutes = Math.floor(total / 60_000);
  const restMs = total - minutes * 60_000;
  const seconds = restMs % 1000 === 0 ? String(restMs / 1000) : (restMs / 1000).toFixed(3).replace(/0+$/, '');
  if (minutes === 0) return `${seconds}s`;
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours}h${minutes % 60}m${seconds}s` : `${minutes}m${seconds}s`;
}
