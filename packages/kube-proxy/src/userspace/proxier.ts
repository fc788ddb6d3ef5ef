/**
 * The userspace proxier: a Node.js TCP proxy per service port, listening on
 * the port's NodePort at the node IP and, where the address exists locally,
 * on its ClusterIP. Each accepted connection goes to the next ready endpoint
 * (round-robin, ClientIP affinity); an endpoint that refuses is skipped and
 * the next tried. `syncRules` opens and closes listeners to match the state
 * and swaps endpoint lists in place (open connections are left alone).
 * Works without root; UDP and SCTP ports are not proxied (logged once).
 */
import net from 'node:net';
import type { HostNetwork } from '../host-network.js';
import type { Proxier, SyncResult } from '../proxier.js';
import type { ServicePortState } from '../proxy-state.js';
import { RoundRobin, key } from './load-balancer.js';
import { errorMessage } from '@mk8s/api';
import { silentLogger, type Logger } from '@mk8s/client';

export interface UserspaceProxierOptions {
  /** Address NodePort listeners bind (default 127.0.0.1). */
  nodeIP?: string;
  /**
   * Adds each ClusterIP to the host's service bridge and listens on it
   * (needs root). Give it the cluster's bridge
   * (`new LinuxHostNetwork({ bridge: serviceBridgeName(clusterName) })`), so
   * the cluster's `kube-proxy --cleanup` removes it. Without it ClusterIPs
   * are skipped (one log line per Service port).
   */
  host?: HostNetwork;
  /** How long one endpoint may take to accept before the next is tried (default 2 s). */
  connectTimeoutMs?: number;
  log?: Logger;
}

interface Listener {
  addr: string;
  port: number;
  server: net.Server;
  lb: RoundRobin;
  id: string;
  sockets: Set<net.Socket>;
}

export class UserspaceProxier implements Proxier {
  readonly mode = 'userspace';
  private readonly listeners = new Map<string, Listener>();
  /** Listener keys that failed to bind, with the reason (retried every sync, logged once). */
  private readonly failed = new Map<string, string>();
  private readonly skipped = new Set<string>();
  private readonly addresses = new Set<string>();
  private readonly nodeIP: string;
  private readonly log: Logger;

  constructor(private readonly opts: UserspaceProxierOptions = {}) {
    this.nodeIP = opts.nodeIP ?? '127.0.0.1';
    this.log = opts.log ?? silentLogger;
  }

  /** Addresses and ports listened on now, e.g. `127.0.0.1:30080`. */
  get listening(): string[] {
    return [...this.listeners.keys()].sort();
  }

  async syncRules(state: readonly ServicePortState[]): Promise<SyncResult> {
    const wanted = new Map<string, { sp: ServicePortState; addr: string; port: number; local?: boolean }>();
    for (const sp of state) {
      if (sp.protocol !== 'TCP') {
        if (!this.skipped.has(sp.id)) this.log.warn({ service: sp.id, protocol: sp.protocol }, 'userspace mode proxies TCP only; skipping');
        this.skipped.add(sp.id);
        continue;
      }
      if (sp.nodePort !== undefined) wanted.set(`${this.nodeIP}:${sp.nodePort}`, { sp, addr: this.nodeIP, port: sp.nodePort });
      // LoadBalancer ingress addresses are this machine's already (the local cloud hands out 127.0.0.0/8 ones): no address to add.
      for (const ip of sp.loadBalancerIPs ?? []) wanted.set(`${ip}:${sp.port}`, { sp, addr: ip, port: sp.port, local: true });
      if (sp.clusterIP) {
        if (this.opts.host) wanted.set(`${sp.clusterIP}:${sp.port}`, { sp, addr: sp.clusterIP, port: sp.port });
        else if (!this.skipped.has(`${sp.id}#ip`)) {
          this.skipped.add(`${sp.id}#ip`);
          this.log.info(
            { service: sp.id, clusterIP: sp.clusterIP },
            'not listening on the ClusterIP: the address is not local (run as root to add it to the service bridge)',
          );
        }
      }
    }
    for (const [k, l] of this.listeners) {
      if (!wanted.has(k)) {
        this.listeners.delete(k);
        await this.closeListener(l);
      }
    }
    for (const k of this.failed.keys()) if (!wanted.has(k)) this.failed.delete(k);
    const addrsWanted = new Set([...wanted.values()].filter((w) => w.addr !== this.nodeIP && !w.local).map((w) => w.addr));
    for (const a of this.addresses) {
      if (!addrsWanted.has(a)) {
        this.addresses.delete(a);
        await this.opts.host?.removeLocalAddress(a);
      }
    }
    for (const [k, w] of wanted) {
      const existing = this.listeners.get(k);
      if (existing) {
        existing.lb.update(w.sp.endpoints, w.sp.affinitySeconds);
        continue;
      }
      try {
        if (w.addr !== this.nodeIP && !w.local && this.opts.host && !this.addresses.has(w.addr)) {
          await this.opts.host.addLocalAddress(w.addr);
          this.addresses.add(w.addr);
        }
        const l = await this.openListener(w.sp, w.addr, w.port);
        this.listeners.set(k, l);
        if (this.failed.delete(k)) this.log.info({ service: w.sp.id, address: k }, 'listening after earlier failure');
      } catch (err) {
        const msg = errorMessage(err);
        if (this.failed.get(k) !== msg) this.log.warn({ service: w.sp.id, address: k, err: msg }, 'cannot listen; retrying on the next sync');
        this.failed.set(k, msg);
      }
    }
    return { rules: this.listeners.size, detail: { listeners: this.listeners.size, failed: this.failed.size } };
  }

  private openListener(sp: ServicePortState, addr: string, port: number): Promise<Listener> {
    const lb = new RoundRobin(sp.affinitySeconds);
    lb.update(sp.endpoints, sp.affinitySeconds);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => this.proxy(client, lb, sockets));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: addr, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.warn({ service: sp.id, err: err.message }, 'listener error'));
        resolve({ addr, port, server, lb, id: sp.id, sockets });
      });
    });
  }

  private proxy(client: net.Socket, lb: RoundRobin, sockets: Set<net.Socket>): void {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const clientIP = client.remoteAddress ?? '';
    const tried = new Set<string>();
    const attempt = (): void => {
      const ep = lb.next(clientIP, tried);
      if (!ep || client.destroyed) {
        client.destroy();
        return;
      }
      tried.add(key(ep));
      const upstream = net.connect({ host: ep.ip, port: ep.port });
      const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), this.opts.connectTimeoutMs ?? 2000);
      const onFail = (): void => {
        clearTimeout(timer);
        upstream.destroy();
        attempt();
      };
      upstream.once('error', onFail);
      upstream.once('connect', () => {
        clearTimeout(timer);
        upstream.off('error', onFail);
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.end());
        upstream.setNoDelay(true);
        client.setNoDelay(true);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt();
  }

  private async closeListener(l: Listener): Promise<void> {
    const closed = new Promise<void>((resolve) => l.server.close(() => resolve()));
    for (const s of l.sockets) s.destroy();
    await closed;
  }

  async close(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((l) => this.closeListener(l)));
    for (const a of this.addresses) await this.opts.host?.removeLocalAddress(a);
    this.addresses.clear();
  }
}
