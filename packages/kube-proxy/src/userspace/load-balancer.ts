/**
 * Endpoint choice for one service port in userspace mode (Kubernetes'
 * userspace roundrobin LoadBalancer): round-robin over the ready endpoints;
 * with ClientIP affinity a client keeps its endpoint while it stays ready
 * and the affinity has not expired. `next(client, skip)` lets the caller
 * retry on the following endpoint when one refuses the connection.
 */
import type { EndpointAddr } from '../proxy-state.js';

export class RoundRobin {
  private endpoints: EndpointAddr[] = [];
  private index = 0;
  private readonly affinity = new Map<string, { ep: EndpointAddr; lastUsed: number }>();

  constructor(
    private affinitySeconds: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Replaces the endpoint list (sync); affinity to endpoints that left is dropped. */
  update(endpoints: readonly EndpointAddr[], affinitySeconds: number | undefined): void {
    const same = endpoints.length === this.endpoints.length && endpoints.every((e, i) => e.ip === this.endpoints[i]!.ip && e.port === this.endpoints[i]!.port);
    this.affinitySeconds = affinitySeconds;
    if (same) return;
    this.endpoints = [...endpoints];
    if (this.index >= this.endpoints.length) this.index = 0;
    const live = new Set(this.endpoints.map(key));
    for (const [client, a] of this.affinity) if (!live.has(key(a.ep))) this.affinity.delete(client);
    if (affinitySeconds === undefined) this.affinity.clear();
  }

  get size(): number {
    return this.endpoints.length;
  }

  /**
   * The endpoint for a new connection from `client`, skipping those in `tried`
   * (they refused); undefined when none is left.
   */
  next(client: string, tried: ReadonlySet<string> = new Set()): EndpointAddr | undefined {
    if (this.endpoints.length === 0) return undefined;
    const now = this.now();
    if (this.affinitySeconds !== undefined) {
      const a = this.affinity.get(client);
      if (a && now - a.lastUsed <= this.affinitySeconds * 1000 && !tried.has(key(a.ep))) {
        a.lastUsed = now;
        return a.ep;
      }
    }
    for (let i = 0; i < this.endpoints.length; i++) {
      const ep = this.endpoints[(this.index + i) % this.endpoints.length]!;
      if (tried.has(key(ep))) continue;
      this.index = (this.index + i + 1) % this.endpoints.length;
      if (this.affinitySeconds !== undefined) this.affinity.set(client, { ep, lastUsed: now });
      return ep;
    }
    return undefined;
  }
}

export function key(ep: EndpointAddr): string {
  return `${ep.ip}:${ep.port}`;
}
