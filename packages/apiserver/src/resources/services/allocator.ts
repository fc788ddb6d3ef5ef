/**
 * Service ClusterIP and NodePort allocation (Kubernetes' ipallocator and
 * portallocator, folded into one registry hook).
 *
 * Contract:
 * - One `ServiceAllocator` per API server process owns the allocation state.
 *   It is rebuilt from the stored Services at startup (`rebuild`), so nothing
 *   lives only in memory: the store is the record, this is its index. A
 *   second API server over the same store would need allocation records in
 *   the store (as Kubernetes keeps its bitmaps); mk8s runs one.
 * - Every allocation and release is synchronous: JavaScript runs one of them
 *   at a time, so two concurrent creates can never take the same IP or port
 *   even though the registry serialises writes per key only. A value is
 *   marked taken before the store write starts and released if the write
 *   fails (`AllocationTx.revert`), so a value is never handed out twice.
 * - Releases of an update's or delete's old values happen only after the
 *   write committed (`AllocationTx.commit`, `release`).
 */
import type { FieldError } from '@mk8s/api';
import { fieldErrors, fieldPath, intToIpv4, ipv4ToInt } from '@mk8s/api';
import { errors, type Target } from '../../errors.js';
import type { Obj } from '../../registry/strategy.js';
import type { AllocationTx, ResourceAllocator } from '../../registry/allocator.js';

export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

/** Why a single allocation failed; the service layer maps these to Kubernetes' replies. */
export class AllocationError extends Error {
  constructor(
    readonly reason: 'full' | 'notInRange' | 'allocated',
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

/** Parses an IPv4 CIDR like `10.96.0.0/16`; throws on anything else. */
export function parseCIDR(cidr: string): { base: number; prefix: number; size: number } {
  const [addr, bits] = cidr.split('/');
  const base = addr === undefined ? undefined : ipv4ToInt(addr);
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 1 || prefix > 30) {
    throw new Error(`invalid IPv4 CIDR "${cidr}" (want e.g. 10.96.0.0/16, prefix 1-30)`);
  }
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), prefix, size };
}

/** Parses a port range like `30000-32767` (inclusive). */
export function parsePortRange(range: string): { base: number; size: number } {
  const m = /^(\d+)-(\d+)$/.exec(range.trim());
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 1 || hi > 65535 || lo > hi) throw new Error(`invalid port range "${range}" (want e.g. 30000-32767)`);
  return { base: lo, size: hi - lo + 1 };
}

/**
 * A set of integers `[first, first+count)` handing out free ones. `next`
 * continues after the last value it gave, so a value just released is not
 * reused at once (clients may still hold it).
 */
class RangeSet {
  private readonly used = new Set<number>();
  private cursor = 0;

  constructor(
    readonly first: number,
    readonly count: number,
  ) {}

  contains(v: number): boolean {
    return v >= this.first && v < this.first + this.count;
  }

  has(v: number): boolean {
    return this.used.has(v);
  }

  get free(): number {
    return this.count - this.used.size;
  }

  get usedCount(): number {
    return this.used.size;
  }

  take(v: number): void {
    this.used.add(v);
  }

  release(v: number): void {
    this.used.delete(v);
  }

  clear(): void {
    this.used.clear();
  }

  next(): number | undefined {
    if (this.used.size >= this.count) return undefined;
    for (let i = 0; i < this.count; i++) {
      const v = this.first + ((this.cursor + i) % this.count);
      if (!this.used.has(v)) {
        this.cursor = (v - this.first + 1) % this.count;
        this.used.add(v);
        return v;
      }
    }
    return undefined;
  }
}

/**
 * ClusterIPs of one IPv4 range. The network and broadcast addresses are never
 * handed out; the first host address (`.1` of a /16) is kept for the
 * `kubernetes` Service and given only when asked for by name.
 */
export class IPAllocator {
  private readonly dynamic: RangeSet;
  private readonly reserved: number;
  private readonly pinned = new Set<number>();

  constructor(readonly cidr: string) {
    const { base, size } = parseCIDR(cidr);
    this.reserved = base + 1;
    this.dynamic = new RangeSet(base + 2, Math.max(0, size - 3));
  }

  private check(ip: string): number {
    const n = ipv4ToInt(ip);
    if (n === undefined || (n !== this.reserved && !this.dynamic.contains(n))) {
      throw new AllocationError('notInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`);
    }
    return n;
  }

  /** Takes a specific address. Throws `AllocationError` (notInRange, allocated). */
  allocate(ip: string): void {
    const n = this.check(ip);
    if (this.pinned.has(n) || this.dynamic.has(n)) throw new AllocationError('allocated', 'provided IP is already allocated');
    if (n === this.reserved) this.pinned.add(n);
    else this.dynamic.take(n);
  }

  /** Takes any free address. Throws `AllocationError('full')`. */
  allocateNext(): string {
    const n = this.dynamic.next();
    if (n === undefined) throw new AllocationError('full', 'range is full');
    return intToIpv4(n);
  }

  release(ip: string): void {
    const n = ipv4ToInt(ip);
    if (n === undefined) return;
    this.pinned.delete(n);
    this.dynamic.release(n);
  }

  has(ip: string): boolean {
    const n = ipv4ToInt(ip);
    return n !== undefined && (this.pinned.has(n) || this.dynamic.has(n));
  }

  /** Whether `ip` could ever be allocated here (in range, not network/broadcast). */
  inRange(ip: string): boolean {
    const n = ipv4ToInt(ip);
    return n !== undefined && (n === this.reserved || this.dynamic.contains(n));
  }

  get used(): number {
    return this.pinned.size + this.dynamic.usedCount;
  }

  get free(): number {
    return this.dynamic.free;
  }

  clear(): void {
    this.pinned.clear();
    this.dynamic.clear();
  }
}

/** NodePorts of one inclusive port range. */
export class PortAllocator {
  private readonly set: RangeSet;

  constructor(readonly range: string) {
    const { base, size } = parsePortRange(range);
    this.set = new RangeSet(base, size);
  }

  allocate(port: number): void {
    if (!this.set.contains(port)) {
      throw new AllocationError('notInRange', `provided port is not in the valid range. The range of valid ports is ${this.range}`);
    }
    if (this.set.has(port)) throw new AllocationError('allocated', 'provided port is already allocated');
    this.set.take(port);
  }

  allocateNext(): number {
    const p = this.set.next();
    if (p === undefined) throw new AllocationError('full', 'range is full');
    return p;
  }

  release(port: number): void {
    this.set.release(port);
  }

  has(port: number): boolean {
    return this.set.has(port);
  }

  get used(): number {
    return this.set.usedCount;
  }

  clear(): void {
    this.set.clear();
  }
}

// What a Service holds.

function spec(svc: Obj): Obj {
  const s = svc['spec'];
  if (s && typeof s === 'object' && !Array.isArray(s)) return s as Obj;
  const fresh: Obj = {};
  svc['spec'] = fresh;
  return fresh;
}

function typeOf(s: Obj): string {
  return typeof s['type'] === 'string' && s['type'] !== '' ? s['type'] : 'ClusterIP';
}

function ports(s: Obj): Obj[] {
  return Array.isArray(s['ports']) ? (s['ports'] as Obj[]) : [];
}

function primaryIP(s: Obj): string {
  const list = Array.isArray(s['clusterIPs']) ? (s['clusterIPs'] as unknown[]) : [];
  const first = typeof list[0] === 'string' ? list[0] : '';
  if (first !== '') return first;
  return typeof s['clusterIP'] === 'string' ? s['clusterIP'] : '';
}

/** A Service of these types gets a ClusterIP unless it asks for `None` (headless). */
function needsClusterIP(s: Obj): boolean {
  return typeOf(s) !== 'ExternalName' && primaryIP(s) !== 'None';
}

function needsNodePorts(s: Obj): boolean {
  const t = typeOf(s);
  return t === 'NodePort' || (t === 'LoadBalancer' && s['allocateLoadBalancerNodePorts'] !== false);
}

function nodePortsOf(s: Obj): number[] {
  return ports(s)
    .map((p) => p['nodePort'])
    .filter((n): n is number => typeof n === 'number' && n > 0);
}

/** The values a stored Service holds (what `rebuild` and releases look at). */
function holdings(svc: Obj | undefined): { ip?: string; nodePorts: number[] } {
  if (!svc) return { nodePorts: [] };
  const s = spec(svc);
  const ip = primaryIP(s);
  return { ip: ip !== '' && ip !== 'None' && typeOf(s) !== 'ExternalName' ? ip : undefined, nodePorts: nodePortsOf(s) };
}

function portKey(p: Obj): string {
  return `${String(p['protocol'] ?? 'TCP')}/${String(p['port'])}`;
}

/**
 * Strategy step for Service updates (Kubernetes' `patchAllocatedValues` and
 * `dropTypeDependentFields`): an update that omits the ClusterIP or a port's
 * NodePort keeps the allocated one (what `kubectl apply` relies on), and a
 * change of type drops what the new type cannot hold when it is unchanged
 * from the old object, so the allocator can release it.
 */
export function prepareServiceUpdate(next: Obj, old: Obj): void {
  const ns = spec(next);
  const os = spec(old);
  if (needsClusterIP(os) && needsClusterIP(ns) && primaryIP(ns) === '') {
    if (os['clusterIP'] !== undefined) ns['clusterIP'] = os['clusterIP'];
    if (os['clusterIPs'] !== undefined) ns['clusterIPs'] = structuredClone(os['clusterIPs']);
    for (const f of ['ipFamilies', 'ipFamilyPolicy']) if (ns[f] === undefined && os[f] !== undefined) ns[f] = structuredClone(os[f]);
  }
  if (needsNodePorts(os) && needsNodePorts(ns)) {
    const byKey = new Map(ports(os).map((p) => [portKey(p), p['nodePort']]));
    const byPort = new Map(ports(os).map((p) => [p['port'], p['nodePort']]));
    for (const p of ports(ns)) {
      if (typeof p['nodePort'] === 'number' && p['nodePort'] > 0) continue;
      const kept = byKey.get(portKey(p)) ?? byPort.get(p['port']);
      if (typeof kept === 'number' && kept > 0) p['nodePort'] = kept;
    }
  }
  if (typeOf(ns) === 'ExternalName' && typeOf(os) !== 'ExternalName' && primaryIP(ns) === primaryIP(os)) {
    delete ns['clusterIP'];
    delete ns['clusterIPs'];
    delete ns['ipFamilies'];
    delete ns['ipFamilyPolicy'];
  }
  if (!needsNodePorts(ns) && needsNodePorts(os)) {
    const oldPorts = new Set(nodePortsOf(os));
    for (const p of ports(ns)) if (typeof p['nodePort'] === 'number' && oldPorts.has(p['nodePort'])) delete p['nodePort'];
  }
}

export interface ServiceAllocatorOptions {
  /** IPv4 CIDR of ClusterIPs (default 10.96.0.0/16). */
  serviceClusterIPRange?: string;
  /** Inclusive NodePort range (default 30000-32767). */
  serviceNodePortRange?: string;
}

function target(svc: Obj): Target {
  const m = (svc['metadata'] ?? {}) as Obj;
  return { qualifiedResource: 'services', group: '', kind: 'Service', name: String(m['name'] ?? '') };
}

export class ServiceAllocator implements ResourceAllocator {
  readonly ips: IPAllocator;
  readonly nodePorts: PortAllocator;

  constructor(opts: ServiceAllocatorOptions = {}) {
    this.ips = new IPAllocator(opts.serviceClusterIPRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE);
    this.nodePorts = new PortAllocator(opts.serviceNodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE);
  }

  /**
   * Replaces the state with what `services` (every stored Service) hold. Call
   * once at startup, before the first write. Values outside the current
   * ranges (after a range change) are kept by their Services and ignored here.
   */
  rebuild(services: readonly Obj[]): void {
    this.ips.clear();
    this.nodePorts.clear();
    for (const svc of services) {
      const h = holdings(svc);
      if (h.ip !== undefined && this.ips.inRange(h.ip) && !this.ips.has(h.ip)) this.ips.allocate(h.ip);
      for (const p of h.nodePorts) if (!this.nodePorts.has(p)) this.tryTakePort(p);
    }
  }

  private tryTakePort(p: number): void {
    try {
      this.nodePorts.allocate(p);
    } catch {
      // Out of the configured range: the Service keeps it; nothing to track.
    }
  }

  release(obj: Obj): void {
    const h = holdings(obj);
    if (h.ip !== undefined) this.ips.release(h.ip);
    for (const p of h.nodePorts) this.nodePorts.release(p);
  }

  begin(opts: { dryRun?: boolean } = {}): AllocationTx {
    return new ServiceAllocationTx(this, opts.dryRun === true);
  }
}

class ServiceAllocationTx implements AllocationTx {
  private ip: string | undefined;
  private ports: number[] = [];
  private old: Obj | undefined;
  private done = false;

  constructor(
    private readonly alloc: ServiceAllocator,
    private readonly dryRun: boolean,
  ) {}

  prepare(next: Obj, old: Obj | undefined): void {
    this.revert();
    this.done = false;
    this.old = old;
    const oldHold = holdings(old);
    const s = spec(next);
    const fieldErrs: FieldError[] = [];
    try {
      if (needsClusterIP(s)) {
        const wanted = primaryIP(s);
        let ip = wanted;
        if (wanted === '') ip = this.takeIP(() => this.alloc.ips.allocateNext());
        else if (wanted !== oldHold.ip) {
          try {
            this.takeIP(() => {
              this.alloc.ips.allocate(wanted);
              return wanted;
            });
          } catch (err) {
            if (!(err instanceof AllocationError)) throw err;
            fieldErrs.push(fieldErrors.invalid('spec.clusterIPs', [wanted], `failed to allocate IP ${wanted}: ${err.message}`));
          }
        }
        if (fieldErrs.length === 0) {
          s['clusterIP'] = ip;
          s['clusterIPs'] = [ip];
          s['ipFamilies'] ??= ['IPv4'];
          s['ipFamilyPolicy'] ??= 'SingleStack';
        }
      } else if (typeOf(s) !== 'ExternalName') {
        // Headless: `None` everywhere, nothing allocated.
        s['clusterIP'] = 'None';
        s['clusterIPs'] = ['None'];
        s['ipFamilies'] ??= ['IPv4'];
        s['ipFamilyPolicy'] ??= 'SingleStack';
      }
      if (needsNodePorts(s)) {
        const kept = new Set(oldHold.nodePorts);
        const seen = new Set<number>();
        ports(s).forEach((p, i) => {
          const requested = typeof p['nodePort'] === 'number' && p['nodePort'] > 0 ? p['nodePort'] : 0;
          if (requested === 0) {
            p['nodePort'] = this.takePort(() => this.alloc.nodePorts.allocateNext());
            return;
          }
          // The same port number for TCP and UDP of one Service is one allocation.
          if (seen.has(requested) || kept.has(requested)) {
            seen.add(requested);
            return;
          }
          seen.add(requested);
          try {
            this.takePort(() => {
              this.alloc.nodePorts.allocate(requested);
              return requested;
            });
          } catch (err) {
            if (!(err instanceof AllocationError)) throw err;
            fieldErrs.push(fieldErrors.invalid(fieldPath.child(fieldPath.index('spec.ports', i), 'nodePort'), requested, err.message));
          }
        });
      }
    } catch (err) {
      this.revert();
      throw err;
    }
    if (fieldErrs.length > 0) {
      this.revert();
      throw errors.invalid(target(next), fieldErrs);
    }
    if (this.dryRun) this.revertKeepingValues();
  }

  private takeIP(f: () => string): string {
    try {
      const ip = f();
      this.ip = ip;
      return ip;
    } catch (err) {
      if (err instanceof AllocationError && err.reason === 'full') {
        throw errors.internal('Internal error occurred: failed to allocate a serviceIP: range is full');
      }
      throw err;
    }
  }

  private takePort(f: () => number): number {
    try {
      const p = f();
      this.ports.push(p);
      return p;
    } catch (err) {
      if (err instanceof AllocationError && err.reason === 'full') {
        throw errors.internal('Internal error occurred: failed to allocate a nodePort: range is full');
      }
      throw err;
    }
  }

  /** Dry run: the object shows what would be allocated, but nothing stays taken. */
  private revertKeepingValues(): void {
    this.revert();
    this.done = true;
  }

  commit(final: Obj | undefined): void {
    if (this.done) return;
    this.done = true;
    const keep = holdings(final);
    const keepPorts = new Set(keep.nodePorts);
    const old = holdings(this.old);
    for (const ip of [this.ip, old.ip]) if (ip !== undefined && ip !== keep.ip) this.alloc.ips.release(ip);
    for (const p of [...this.ports, ...old.nodePorts]) if (!keepPorts.has(p)) this.alloc.nodePorts.release(p);
    this.ip = undefined;
    this.ports = [];
  }

  revert(): void {
    if (this.done) return;
    if (this.ip !== undefined) this.alloc.ips.release(this.ip);
    for (const p of this.ports) this.alloc.nodePorts.release(p);
    this.ip = undefined;
    this.ports = [];
    // Nothing of the old object may be released by a later commit either.
    this.old = undefined;
  }
}
