/**
 * kube-controller-manager's core: one API client and one SharedInformerFactory
 * shared by every enabled controller, started once after all controllers have
 * registered their informers; each controller then runs its own workers until
 * the signal aborts. Which controllers run is chosen as kube-controller-manager
 * does (`--controllers`): `*` for the default set, a name to add one, `-name`
 * to remove one; names are the Kubernetes 1.32 ones (`replicaset-controller`)
 * or their old short aliases (`replicaset`).
 */
import { SharedInformerFactory, listerWatchersFor, realClock, type Clientset, type Clock, type ControllerLogger } from '@mk8s/client';
import type { Registry } from 'prom-client';
import { CONTROLLER_DESCRIPTORS, type ControllerDescriptor, type ControllerSettings, type RunnableController } from './descriptors.js';

export interface ControllerManagerOptions {
  client: Clientset;
  /** `--controllers` entries; default `['*']`. */
  controllers?: readonly string[];
  settings?: Partial<ControllerSettings>;
  clock?: Clock;
  /** Each controller names itself in its log lines. */
  log?: ControllerLogger;
  metrics?: Registry;
}

export class UnknownControllerError extends Error {}

/** Resolves `--controllers` entries to descriptors, in the table's order. Throws on an unknown name. */
export function selectControllers(entries: readonly string[], table: readonly ControllerDescriptor[] = CONTROLLER_DESCRIPTORS): ControllerDescriptor[] {
  const byName = new Map<string, ControllerDescriptor>();
  for (const d of table) for (const n of [d.name, ...d.aliases]) byName.set(n, d);
  const lookup = (n: string): ControllerDescriptor => {
    const d = byName.get(n);
    if (!d) throw new UnknownControllerError(`"${n}" is not a known controller; known: ${table.map((t) => t.name).join(', ')}`);
    return d;
  };
  const chosen = new Set<ControllerDescriptor>();
  const star = entries.includes('*');
  if (star) for (const d of table) if (d.defaultOn) chosen.add(d);
  for (const e of entries) {
    if (e === '*' || e === '') continue;
    if (e.startsWith('-')) chosen.delete(lookup(e.slice(1)));
    else chosen.add(lookup(e));
  }
  return table.filter((d) => chosen.has(d));
}

export const DEFAULT_SETTINGS: ControllerSettings = {
  nodeMonitorGracePeriodMs: 10_000,
  nodeMonitorPeriodMs: 1_000,
  workers: {},
};

export class ControllerManager {
  readonly factory: SharedInformerFactory;
  readonly enabled: readonly ControllerDescriptor[];
  private readonly controllers: Array<{ descriptor: ControllerDescriptor; controller: RunnableController }>;
  private readonly settings: ControllerSettings;

  constructor(opts: ControllerManagerOptions) {
    this.settings = { ...DEFAULT_SETTINGS, ...opts.settings, workers: { ...DEFAULT_SETTINGS.workers, ...opts.settings?.workers } };
    this.enabled = selectControllers(opts.controllers ?? ['*']);
    this.factory = new SharedInformerFactory(listerWatchersFor(opts.client));
    const clock = opts.clock ?? realClock;
    this.controllers = this.enabled.map((descriptor) => ({
      descriptor,
      controller: descriptor.create({
        client: opts.client,
        factory: this.factory,
        clock,
        ...(opts.log ? { log: opts.log } : {}),
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        settings: this.settings,
      }),
    }));
  }

  /** Starts the informers, then every controller; resolves once all have stopped after `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.factory.start(signal);
    await Promise.all(
      this.controllers.map(({ descriptor, controller }) => controller.run(signal, this.settings.workers[descriptor.name] ?? descriptor.defaultWorkers)),
    );
  }
}
