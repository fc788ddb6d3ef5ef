/**
 * The local cloud's address pool for LoadBalancer Services: IPv4 addresses
 * of this machine, given as a CIDR (`127.240.0.0/24`: the network and
 * broadcast addresses are left out) or a range (`127.240.0.10-127.240.0.20`).
 * Every 127.0.0.0/8 address is local on Linux, so kube-proxy can serve them
 * without creating any interface. An address belongs to one Service (keyed
 * `namespace/name`) at a time.
 */

import { intToIpv4, ipv4ToInt } from '@mk8s/api';

export const DEFAULT_LOAD_BALANCER_POOL = '127.240.0.0/24';
const MAX_POOL = 1 << 16;

export class PoolError extends Error {}

/** First and last address of the pool, inclusive. Throws PoolError on a bad spec. */
export function parsePool(spec: string): { first: number; last: number } {
  const s = spec.trim();
  const range = /^([\d.]+)\s*-\s*([\d.]+)$/.exec(s);
  if (range) {
    const first = ipv4ToInt(range[1]!);
    const last = ipv4ToInt(range[2]!);
    if (first === undefined || last === undefined || last < first)
      throw new PoolError(`load balancer pool "${spec}": want FIRST-LAST IPv4 addresses, FIRST <= LAST`);
    if (last - first + 1 > MAX_POOL) throw new PoolError(`load balancer pool "${spec}" is larger than ${MAX_POOL} addresses`);
    return { first, last };
  }
  const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(s);
  const base = cidr ? ipv4ToInt(cidr[1]!) : undefined;
  const bits = cidr ? Number(cidr[2]) : NaN;
  if (base === undefined || !(bits >= 0 && bits <= 32)) throw new PoolError(`load balancer pool "${spec}": want a CIDR (127.240.0.0/24) or a range (A-B)`);
  const size = 2 ** (32 - bits);
  if (size > MAX_POOL * 4) throw new PoolError(`load balancer pool "${spec}" is larger than ${MAX_POOL} addresses`);
  const network = base - (base % size);
  // Network and broadcast addresses are not handed out (for /31 and /32 every address is).
  const first = size > 2 ? network + 1 : network;
  const last = size > 2 ? network + size - 2 : network + size - 1;
  if (last - first + 1 > MAX_POOL) throw new PoolError(`load balancer pool "${spec}" is larger than ${MAX_POOL} addresses`);
  return { first, last };
}

export class AddressPool {
  readonly first: number;
  readonly last: number;
  private readonly byOwner = new Map<string, string>();
  private readonly byIp = new Map<string, string>();

  constructor(readonly spec: string = DEFAULT_LOAD_BALANCER_POOL) {
    ({ first: this.first, last: this.last } = parsePool(spec));
  }

  get size(): number {
    return this.last - this.first + 1;
  }

  get used(): number {
    return this.byIp.size;
  }

  contains(ip: string): boolean {
    const n = ipv4ToInt(ip);
    return n !== undefined && n >= this.first && n <= this.last;
  }

  /** The address `owner` holds. */
  addressOf(owner: string): string | undefined {
    return this.byOwner.get(owner);
  }

  ownerOf(ip: string): string | undefined {
    return this.byIp.get(ip);
  }

  /** Gives `owner` the address `ip` if it is in the pool and free (or already its own). */
  claim(owner: string, ip: string): boolean {
    if (!this.contains(ip)) return false;
    const holder = this.byIp.get(ip);
    if (holder !== undefined) return holder === owner;
    this.release(owner);
    this.byIp.set(ip, owner);
    this.byOwner.set(owner, ip);
    return true;
  }

  /** `owner`'s address, else the lowest free one; undefined when the pool is exhausted. */
  allocate(owner: string): string | undefined {
    const have = this.byOwner.get(owner);
    if (have) return have;
    for (let n = this.first; n <= this.last; n++) {
      const ip = intToIpv4(n);
      if (!this.byIp.has(ip)) {
        this.claim(owner, ip);
        return ip;
      }
    }
    return undefined;
  }

  /** Frees `owner`'s address; returns it. */
  release(owner: string): string | undefined {
    const ip = this.byOwner.get(owner);
    if (ip === undefined) return undefined;
    this.byOwner.delete(owner);
    this.byIp.delete(ip);
    return ip;
  }
}
