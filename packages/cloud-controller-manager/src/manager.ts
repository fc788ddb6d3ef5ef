/**
 * cloud-controller-manager's core: one client, one informer factory and one
 * cloud provider shared by the cloud controllers. `run` lets the provider
 * initialize (rebuild its state from the API), then starts the informers and
 * every enabled controller.
 */
import { SharedInformerFactory, listerWatchersFor, realClock, type Clientset, type Clock, type ControllerLogger } from '@mk8s/client';
import type { Registry } from 'prom-client';
import type { CloudProvider } from './cloud.js';
import { CLOUD_NODE_CONTROLLER, CloudNodeController } from './node/cloud-node-controller.js';
import { CLOUD_NODE_LIFECYCLE_CONTROLLER, CloudNodeLifecycleController } from './node/cloud-node-lifecycle-controller.js';
import { SERVICE_LB_CONTROLLER, ServiceController } from './service/service-controller.js';

export interface CloudControllerSettings {
  /** How often the lifecycle controller asks the cloud about NotReady nodes. */
  nodeMonitorPeriodMs: number;
  /** Pending LoadBalancer Services are retried at least this often. */
  pendingRetryMs: number;
}

export const CLOUD_CONTROLLERS = [CLOUD_NODE_CONTROLLER, CLOUD_NODE_LIFECYCLE_CONTROLLER, SERVICE_LB_CONTROLLER] as const;

export interface CloudControllerManagerOptions {
  client: Clientset;
  cloud: CloudProvider;
  /** `--controllers`: `*`, `name`, `-name`; default all. */
  controllers?: readonly string[];
  settings?: Partial<CloudControllerSettings>;
  clock?: Clock;
  log?: ControllerLogger;
  metrics?: Registry;
}

export class UnknownCloudControllerError extends Error {}

export function selectCloudControllers(entries: readonly string[]): string[] {
  const chosen = new Set<string>();
  for (const e of entries.map((x) => x.trim()).filter((x) => x !== '')) {
    const name = e.startsWith('-') ? e.slice(1) : e;
    if (name !== '*' && !(CLOUD_CONTROLLERS as readonly string[]).includes(name)) {
      throw new UnknownCloudControllerError(`"${name}" is not a known controller; known: ${CLOUD_CONTROLLERS.join(', ')}`);
    }
    if (name === '*') for (const c of CLOUD_CONTROLLERS) chosen.add(c);
    else if (e.startsWith('-')) chosen.delete(name);
    else chosen.add(name);
  }
  return CLOUD_CONTROLLERS.filter((c) => chosen.has(c));
}

interface Runnable {
  run(signal: AbortSignal): Promise<void>;
}

export class CloudControllerManager {
  readonly factory: SharedInformerFactory;
  readonly enabled: readonly string[];
  private readonly controllers: Runnable[] = [];

  constructor(private readonly opts: CloudControllerManagerOptions) {
    this.enabled = selectCloudControllers(opts.controllers ?? ['*']);
    this.factory = new SharedInformerFactory(listerWatchersFor(opts.client));
    const deps = {
      client: opts.client,
      factory: this.factory,
      cloud: opts.cloud,
      clock: opts.clock ?? realClock,
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    };
    const settings = opts.settings ?? {};
    for (const name of this.enabled) {
      if (name === CLOUD_NODE_CONTROLLER) this.controllers.push(new CloudNodeController(deps));
      if (name === CLOUD_NODE_LIFECYCLE_CONTROLLER) {
        this.controllers.push(new CloudNodeLifecycleController({ ...deps, ...(settings.nodeMonitorPeriodMs ? { monitorPeriodMs: settings.nodeMonitorPeriodMs } : {}) }));
      }
      if (name === SERVICE_LB_CONTROLLER) this.controllers.push(new ServiceController({ ...deps, ...(settings.pendingRetryMs ? { pendingRetryMs: settings.pendingRetryMs } : {}) }));
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.opts.cloud.initialize?.(this.opts.client, signal);
    this.factory.start(signal);
    await Promise.all([...this.controllers.map((c) => c.run(signal)), this.factory.stopped()]);
  }
}
