/**
 * Loopback names and addresses: what only processes on this machine can
 * reach. The API server and the kubelet serve unauthenticated only there, and
 * in that mode accept only `Host` headers naming it (DNS rebinding defence).
 */
import net from 'node:net';

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** An address to listen on that only this machine can reach: `localhost`, 127.0.0.0/8 or ::1 (bracketed or not). */
export function isLoopbackAddress(address: string): boolean {
  if (address.toLowerCase() === 'localhost') return true;
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  if (net.isIPv4(bare)) return LOOPBACK.check(bare, 'ipv4');
  return net.isIPv6(bare) && LOOPBACK.check(bare, 'ipv6');
}

/** A `Host` header naming the loopback (`localhost`, 127.0.0.0/8, `[::1]`), with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return false;
  if (m[1] !== undefined) return net.isIPv6(m[1]) && LOOPBACK.check(m[1], 'ipv6');
  const name = m[2]!.toLowerCase();
  return name === 'localhost' || (net.isIPv4(name) && LOOPBACK.check(name, 'ipv4'));
}
