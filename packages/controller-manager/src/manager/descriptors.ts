/**
 * The controllers kube-controller-manager can run, with their Kubernetes 1.32
 * names, old short aliases, whether `*` includes them, and their default
 * worker counts (Kubernetes' `--concurrent-*-syncs` defaults).
 */
import type { ControllerDescriptor, ControllerDeps } from '@mk8s/client';
import { DeploymentController } from '../deployment/index.js';
import { EndpointsController } from '../endpoints/index.js';
import { GarbageCollector } from '../garbage-collector/index.js';
import { HorizontalPodAutoscalerController } from '../hpa/index.js';
import { NamespaceController } from '../namespace/index.js';
import { NodeLifecycleController } from '../node-lifecycle/index.js';
import { ReplicaSetController } from '../replicaset/index.js';
import { PodGCController } from '../podgc/index.js';
import { ResourceQuotaController } from '../resourcequota/index.js';
import { ServiceAccountsController } from '../serviceaccount/index.js';

export interface ControllerSettings {
  /** A node whose Lease is older than this is Unknown; default 10 s (Kubernetes: 40-50 s). */
  nodeMonitorGracePeriodMs: number;
  nodeMonitorPeriodMs: number;
  /** Workers per controller name, overriding the defaults. */
  workers: Record<string, number>;
  /** `--horizontal-pod-autoscaler-sync-period`; default 15 s. */
  hpaSyncPeriodMs?: number;
  /** How often the garbage collector re-reads discovery; default 30 s (fixed in Kubernetes). */
  gcDiscoveryResyncMs?: number;
}

/** What every kube-controller-manager controller is created from: the shared dependencies and the manager's settings. */
export interface ControllerContext extends ControllerDeps {
  settings: ControllerSettings;
}

export type KcmControllerDescriptor = ControllerDescriptor<ControllerContext>;

/** The dependencies alone (a controller takes ControllerDeps plus its own options). */
const common = ({ settings: _settings, ...deps }: ControllerContext): ControllerDeps => deps;

export const CONTROLLER_DESCRIPTORS: readonly KcmControllerDescriptor[] = [
  {
    name: 'replicaset-controller',
    aliases: ['replicaset'],
    defaultOn: true,
    defaultWorkers: 5,
    create: (ctx) => new ReplicaSetController(common(ctx)),
  },
  {
    name: 'deployment-controller',
    aliases: ['deployment'],
    defaultOn: true,
    defaultWorkers: 5,
    create: (ctx) => new DeploymentController(common(ctx)),
  },
  {
    name: 'node-lifecycle-controller',
    aliases: ['nodelifecycle'],
    defaultOn: true,
    defaultWorkers: 1,
    create: (ctx) =>
      new NodeLifecycleController({
        ...common(ctx),
        nodeMonitorGracePeriodMs: ctx.settings.nodeMonitorGracePeriodMs,
        nodeMonitorPeriodMs: ctx.settings.nodeMonitorPeriodMs,
      }),
  },
  {
    name: 'garbage-collector-controller',
    aliases: ['garbagecollector'],
    defaultOn: true,
    defaultWorkers: 20,
    create: (ctx) => new GarbageCollector({ ...common(ctx), discoveryResyncMs: ctx.settings.gcDiscoveryResyncMs }),
  },
  {
    name: 'namespace-controller',
    aliases: ['namespace'],
    defaultOn: true,
    defaultWorkers: 10,
    create: (ctx) => new NamespaceController(common(ctx)),
  },
  {
    name: 'horizontal-pod-autoscaler-controller',
    aliases: ['horizontalpodautoscaling'],
    defaultOn: true,
    defaultWorkers: 5,
    create: (ctx) =>
      new HorizontalPodAutoscalerController({
        ...common(ctx),
        syncPeriodMs: ctx.settings.hpaSyncPeriodMs,
      }),
  },
  {
    name: 'endpoints-controller',
    aliases: ['endpoint'],
    defaultOn: true,
    defaultWorkers: 5,
    create: (ctx) => new EndpointsController(common(ctx)),
  },
  {
    name: 'pod-garbage-collector-controller',
    aliases: ['podgc'],
    defaultOn: true,
    defaultWorkers: 1,
    create: (ctx) => new PodGCController(common(ctx)),
  },
  {
    name: 'serviceaccount-controller',
    aliases: ['serviceaccount'],
    defaultOn: true,
    defaultWorkers: 1,
    create: (ctx) => new ServiceAccountsController(common(ctx)),
  },
  {
    name: 'resourcequota-controller',
    aliases: ['resourcequota'],
    defaultOn: true,
    defaultWorkers: 5,
    create: (ctx) => new ResourceQuotaController(common(ctx)),
  },
];
