/**
 * cloud-controller-manager's core: one client, one informer factory and one
 * cloud provider shared by the cloud controllers. `run` lets the provider
 * initialize (rebuild its state from the API), then starts the informers and
 * every enabled controller.
 */
import {
  ControllerSet,
  SharedInformerFactory,
  listerWatchersFor,
  realClock,
  type Clientset,
  type Clock,
  type ControllerDescriptor,
  type Logger,
} from '@mk8s/client';
import type { Registry } from 'prom-client';
import type { CloudProvider } from './cloud.js';
import { CLOUD_NODE_CONTROLLER, CloudNodeController } from './node/cloud-node-controller.js';
import { CLOUD_NODE_LIFECYCLE_CONTROLLER, CloudNodeLifecycleController } from './node/cloud-node-lifecycle-controller.js';
import { SERVICE_LB_CONTROLLER, ServiceController } from './service/service-controller.js';
import type { CloudControllerDeps } from './util.js';

export interface CloudControllerSettings {
  /** How often the lifecycle controller asks the cloud about NotReady nodes. */
  nodeMonitorPeriodMs: number;
  /** Pending LoadBalancer Services are retried at least this often. */
  pendingRetryMs: number;
}

/** What every cloud controller is created from: the shared dependencies, the cloud, and the manager's settings. */
export interface CloudControllerContext extends CloudControllerDeps {
  settings: Partial<CloudControllerSettings>;
}

const deps = ({ settings: _settings, ...d }: CloudControllerContext): CloudControllerDeps => d;

/** The cloud controllers, all on by default, one worker each. */
export const CLOUD_CONTROLLER_DESCRIPTORS: readonly ControllerDescriptor<CloudControllerContext>[] = [
  { name: CLOUD_NODE_CONTROLLER, aliases: [], defaultOn: true, defaultWorkers: 1, create: (ctx) => new CloudNodeController(deps(ctx)) },
  {
    name: CLOUD_NODE_LIFECYCLE_CONTROLLER,
    aliases: [],
    defaultOn: true,
    defaultWorkers: 1,
    // 0, which would spin, means the controller's default (also for pendingRetryMs below).
    create: (ctx) => new CloudNodeLifecycleController({ ...deps(ctx), monitorPeriodMs: ctx.settings.nodeMonitorPeriodMs || undefined }),
  },
  {
    name: SERVICE_LB_CONTROLLER,
    aliases: [],
    defaultOn: true,
    defaultWorkers: 1,
    create: (ctx) => new ServiceController({ ...deps(ctx), pendingRetryMs: ctx.settings.pendingRetryMs || undefined }),
  },
];

export const CLOUD_CONTROLLERS = CLOUD_CONTROLLER_DESCRIPTORS.map((d) => d.name);

export interface CloudControllerManagerOptions {
  client: Clientset;
  cloud: CloudProvider;
  /** `--controllers`: `*`, `name`, `-name`; default all. */
  controllers?: readonly string[];
  settings?: Partial<CloudControllerSettings>;
  clock?: Clock;
  log?: Logger;
  metrics?: Registry;
}

export class CloudControllerManager {
  readonly factory: SharedInformerFactory;
  readonly enabled: readonly string[];
  private readonly set: ControllerSet<CloudControllerContext>;

  constructor(private readonly opts: CloudControllerManagerOptions) {
    this.factory = new SharedInformerFactory(listerWatchersFor(opts.client), opts.log ? { logger: opts.log } : {});
    const ctx: CloudControllerContext = {
      client: opts.client,
      factory: this.factory,
      cloud: opts.cloud,
      clock: opts.clock ?? realClock,
      settings: opts.settings ?? {},
    };
    if (opts.log) ctx.log = opts.log;
    if (opts.metrics) ctx.metrics = opts.metrics;
    this.set = new ControllerSet(CLOUD_CONTROLLER_DESCRIPTORS, opts.controllers ?? ['*'], ctx);
    this.enabled = this.set.enabled.map((d) => d.name);
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.opts.cloud.initialize?.(this.opts.client, signal);
    this.factory.start(signal);
    await Promise.all([this.set.run(signal), this.factory.stopped()]);
  }
}
