import { ResourceExhaustedError } from '@mk8s/cri';

/**
 * Hands out pod IPs from an IPv4 CIDR (default 10.244.0.0/16, the usual pod
 * network; never loopback, which the API server rejects as an endpoint).
 * Skips the network address, the .1 gateway and the broadcast address; reuses
 * released addresses only after cycling through the rest (next fit), so a
 * stale endpoint rarely points at a new pod.
 */
export class IpPool {
  readonly cidr: string;
  private readonly first: number;
  private readonly last: number;
  private cursor: number;
  private readonly used = new Set<number>();

  constructor(cidr = '10.244.0.0/16') {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    const prefix = Number(m?.[5]);
    const octets = m ? m.slice(1, 5).map(Number) : [];
    if (!m || octets.some((o) => o > 255) || prefix < 8 || prefix > 30) {
      throw new Error(`invalid pod CIDR ${JSON.stringify(cidr)}: want IPv4 a.b.c.d/8..30`);
    }
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    const size = 2 ** (32 - prefix);
    const network = Math.floor((((a * 256 + b) * 256 + c) * 256 + d) / size) * size;
    this.cidr = cidr;
    this.first = network + 2;
    this.last = network + size - 2;
    this.cursor = this.first;
  }

  /** Addresses in use. */
  get inUse(): number {
    return this.used.size;
  }

  allocate(): string {
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const n = this.cursor;
      this.cursor = n >= this.last ? this.first : n + 1;
      if (!this.used.has(n)) {
        this.used.add(n);
        return toIp(n);
      }
    }
    throw new ResourceExhaustedError(`no free pod IP left in ${this.cidr}`);
  }

  release(ip: string): void {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4) return;
    const [a = 0, b = 0, c = 0, d = 0] = parts;
    this.used.delete(((a * 256 + b) * 256 + c) * 256 + d);
  }
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
