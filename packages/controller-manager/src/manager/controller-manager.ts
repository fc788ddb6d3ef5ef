/**
 * kube-controller-manager's core: one API client and one SharedInformerFactory
 * shared by every enabled controller, started once after all controllers have
 * registered their informers; each controller then runs its own workers until
 * the signal aborts. Which controllers run is chosen as kube-controller-manager
 * does (`--controllers`): `*` for the default set, a name to add one, `-name`
 * to remove one; names are the Kubernetes 1.32 ones (`replicaset-controller`)
 * or their old short aliases (`replicaset`).
 */
import { ControllerSet, SharedInformerFactory, listerWatchersFor, realClock, type Clientset, type Clock, type Logger } from '@mk8s/client';
import type { Registry } from 'prom-client';
import { CONTROLLER_DESCRIPTORS, type ControllerContext, type ControllerSettings, type KcmControllerDescriptor } from './descriptors.js';

export interface ControllerManagerOptions {
  client: Clientset;
  /** `--controllers` entries; default `['*']`. */
  controllers?: readonly string[];
  settings?: Partial<ControllerSettings>;
  clock?: Clock;
  /** Each controller names itself in its log lines. */
  log?: Logger;
  metrics?: Registry;
}

export const DEFAULT_SETTINGS: ControllerSettings = {
  nodeMonitorGracePeriodMs: 10_000,
  nodeMonitorPeriodMs: 1_000,
  workers: {},
};

export class ControllerManager {
  readonly factory: SharedInformerFactory;
  readonly enabled: readonly KcmControllerDescriptor[];
  private readonly set: ControllerSet<ControllerContext>;
  private readonly settings: ControllerSettings;

  constructor(opts: ControllerManagerOptions) {
    this.settings = { ...DEFAULT_SETTINGS, ...opts.settings, workers: { ...DEFAULT_SETTINGS.workers, ...opts.settings?.workers } };
    this.factory = new SharedInformerFactory(listerWatchersFor(opts.client), opts.log ? { logger: opts.log } : {});
    const ctx: ControllerContext = { client: opts.client, factory: this.factory, clock: opts.clock ?? realClock, settings: this.settings };
    if (opts.log) ctx.log = opts.log;
    if (opts.metrics) ctx.metrics = opts.metrics;
    this.set = new ControllerSet(CONTROLLER_DESCRIPTORS, opts.controllers ?? ['*'], ctx);
    this.enabled = this.set.enabled;
  }

  /** Starts the informers, then every controller; resolves once all have stopped after `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.factory.start(signal);
    await this.set.run(signal, this.settings.workers);
  }
}
