/** IPv4 addresses as unsigned 32-bit numbers, for CIDR and range arithmetic. */

/** `10.96.0.1` -> 174063617; undefined unless four decimal octets of 0-255. */
export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** 174063617 -> `10.96.0.1` (the low 32 bits). */
export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
