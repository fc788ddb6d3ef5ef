/**
 * `KubeProxy`: informers on Services and Endpoints feed one coalescing sync
 * loop (Kubernetes' config handlers -> proxier.syncProxyRules). Every change
 * only requests a sync; the sync reads both caches whole, computes the
 * desired state and hands it to the proxier (level triggered: a missed or
 * repeated event cannot leave stale forwarding behind).
 */
import type { Endpoints, Service } from '@mk8s/api';
import { SharedInformerFactory, aborted, listerWatchersFor, type Clientset, type Clock, type Logger } from '@mk8s/client';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Proxier } from './proxier.js';
import { buildProxyState, type ServicePortState } from './proxy-state.js';
import { SyncRunner } from './sync-runner.js';

export interface KubeProxyOptions {
  client: Clientset;
  proxier: Proxier;
  /** Metrics land here (the health server's registry). */
  registry?: Registry;
  /** Minimum time between syncs (default 100 ms): bursts of changes coalesce. */
  minSyncIntervalMs?: number;
  /** Full resync period (default 30 s). */
  syncPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
}

interface Metrics {
  latency: Histogram;
  lastSync: Gauge;
  rules: Gauge;
  syncs: Counter;
  errors: Counter;
}

function createMetrics(registry: Registry | undefined, mode: string): Metrics {
  const registers = registry ? [registry] : [];
  return {
    latency: new Histogram({
      name: 'kubeproxy_sync_proxy_rules_duration_seconds',
      help: 'How long one sync of the proxy rules took',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    lastSync: new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'When the last successful sync finished', registers }),
    rules: new Gauge({
      name: mode === 'iptables' ? 'kubeproxy_sync_proxy_rules_iptables_total' : 'kubeproxy_userspace_listeners',
      help: mode === 'iptables' ? 'iptables rules written by the last sync, per table' : 'TCP listeners open after the last sync',
      labelNames: ['table'],
      registers,
    }),
    syncs: new Counter({ name: 'kubeproxy_syncs_total', help: 'Syncs of the proxy rules', registers }),
    errors: new Counter({ name: 'kubeproxy_sync_errors_total', help: 'Syncs that failed (retried)', registers }),
  };
}

export class KubeProxy {
  private readonly metrics: Metrics;
  private readonly factory: SharedInformerFactory;
  private readonly services;
  private readonly endpoints;
  private readonly runner: SyncRunner;
  private lastState: ServicePortState[] = [];
  private synced = false;
  /** Resolvers waiting for the next completed sync (tests, `waitForSync`). */
  private waiters: Array<() => void> = [];
  syncCount = 0;

  constructor(private readonly opts: KubeProxyOptions) {
    this.metrics = createMetrics(opts.registry, opts.proxier.mode);
    this.factory = new SharedInformerFactory(listerWatchersFor(opts.client), opts.log ? { logger: opts.log } : {});
    this.services = this.factory.informerFor<Service>('services');
    this.endpoints = this.factory.informerFor<Endpoints>('endpoints');
    this.runner = new SyncRunner(() => this.sync(), {
      minIntervalMs: opts.minSyncIntervalMs ?? 100,
      maxIntervalMs: opts.syncPeriodMs ?? 30_000,
      ...(opts.clock ? { clock: opts.clock } : {}),
      onError: (err) => {
        this.metrics.errors.inc();
        opts.log?.error({ err }, 'sync of proxy rules failed; retrying');
      },
    });
    // No sync before both caches have synced (Kubernetes' proxier waits the same way): the Services list
    // arriving before the Endpoints list would otherwise program every Service as having no endpoints,
    // and a restarted kube-proxy would REJECT all service traffic until the next sync.
    const request = (): void => {
      if (this.cachesSynced) this.runner.request();
    };
    for (const inf of [this.services, this.endpoints]) inf.addEventHandler({ onAdd: request, onUpdate: request, onDelete: request });
  }

  /** Set once both informers have listed: event handlers only request syncs from then on. */
  private cachesSynced = false;

  /** The state the last sync applied. */
  get state(): readonly ServicePortState[] {
    return this.lastState;
  }

  /** True once the first sync after the caches synced has applied. */
  get healthy(): boolean {
    return this.synced;
  }

  /** Resolves after the next sync completes. */
  nextSync(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async sync(): Promise<void> {
    const start = performance.now();
    const state = buildProxyState(this.services.lister.list(), this.endpoints.lister.list());
    const result = await this.opts.proxier.syncRules(state);
    this.lastState = state;
    this.synced = true;
    this.syncCount++;
    this.metrics.latency.observe((performance.now() - start) / 1000);
    this.metrics.lastSync.set(Date.now() / 1000);
    this.metrics.syncs.inc();
    for (const [table, n] of Object.entries(result.detail ?? { all: result.rules })) this.metrics.rules.set({ table }, n);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Runs until `signal` aborts; the proxier's rules stay as they are (iptables) or close (userspace). */
  async run(signal: AbortSignal): Promise<void> {
    this.factory.start(signal);
    if (!(await this.factory.waitForCacheSync(signal))) {
      await this.factory.stopped();
      return;
    }
    this.opts.log?.info({ mode: this.opts.proxier.mode }, 'caches synced; syncing proxy rules');
    this.cachesSynced = true;
    this.runner.request();
    await aborted(signal);
    await this.runner.stop();
    await this.opts.proxier.close();
    await this.factory.stopped();
  }
}
