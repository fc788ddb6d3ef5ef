/**
 * The scraper of the built-in metrics pipeline (metrics-server's job): every
 * `resolutionMs` it asks the kubelet of every registered Node for
 * `/stats/summary` (at the Node's InternalIP and
 * `status.daemonEndpoints.kubeletEndpoint.Port`, as `pods/log` does) and
 * hands the answers to the MetricsStore in one `update`.
 *
 * Runs inside the API server process from `start()` until `stop()`; scrapes
 * of different nodes run concurrently, each bounded by `timeoutMs`. A node
 * without an address, or whose kubelet fails or is slow, counts as a failed
 * scrape for that round (logged at debug level: hollow and dead nodes are
 * normal). `scrapeNow()` runs one round at once (tests, benches).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Obj } from '../cache/watch-cache.js';
import type { MetricsStore, NodeScrape } from './metrics-store.js';
import type { Summary } from './summary.js';
import { kubeletFetch, type KubeletClientTLS } from '../http/kubelet-client.js';
import { errorMessage } from '@mk8s/api';

export interface ScraperOptions {
  store: MetricsStore;
  /** The registered Nodes (from the watch cache). */
  listNodes: () => Obj[];
  resolutionMs: number;
  /** Per-node request limit; default 90% of the resolution, at most 10 s. */
  timeoutMs?: number;
  log?: FastifyBaseLogger;
  now?: () => number;
  /** Call kubelets over HTTPS with this client certificate (see http/kubelet-client.ts). */
  kubeletTLS?: KubeletClientTLS;
}

/** A Node's kubelet base URL, or undefined when it publishes none. */
export function kubeletUrl(node: Obj): string | undefined {
  const status = (node['status'] ?? {}) as Obj;
  const addresses = (status['addresses'] as Obj[] | undefined) ?? [];
  const ip = (addresses.find((a) => a['type'] === 'InternalIP') ?? addresses[0])?.['address'];
  const port = ((status['daemonEndpoints'] as Obj | undefined)?.['kubeletEndpoint'] as Obj | undefined)?.['Port'];
  if (!ip || typeof port !== 'number' || port <= 0) return undefined;
  const host = String(ip).includes(':') ? `[${String(ip)}]` : String(ip);
  return `http://${host}:${port}`;
}

export class MetricsScraper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly opts: ScraperOptions) {
    this.timeoutMs = opts.timeoutMs ?? Math.min(10_000, Math.max(500, Math.floor(opts.resolutionMs * 0.9)));
    this.now = opts.now ?? Date.now;
  }

  /** Scrapes at once, then every resolution. Idempotent. */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = (): void => {
      void this.scrapeNow().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.resolutionMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Stops the loop and waits for a scrape in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round over every node (a round already in flight is joined, not doubled). */
  scrapeNow(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const nodes = this.opts.listNodes();
    const scrapes = await Promise.all(nodes.map((n) => this.scrapeNode(n)));
    this.opts.store.update(scrapes);
  }

  private async scrapeNode(node: Obj): Promise<NodeScrape> {
    const name = String((node['metadata'] as Obj | undefined)?.['name'] ?? '');
    const base = kubeletUrl(node);
    if (!base) return { node: name, scrapedAtMs: this.now() };
    try {
      const tls = this.opts.kubeletTLS;
      const res = await kubeletFetch(`${tls ? base.replace(/^http:/, 'https:') : base}/stats/summary`, tls, AbortSignal.timeout(this.timeoutMs));
      if (!res.ok) throw new Error(`status ${res.status}`);
      const summary = (await res.json()) as Summary;
      return { node: name, summary, scrapedAtMs: this.now() };
    } catch (err) {
      this.opts.log?.debug({ node: name, err: errorMessage(err) }, 'metrics scrape of a kubelet failed');
      return { node: name, scrapedAtMs: this.now() };
    }
  }
}
