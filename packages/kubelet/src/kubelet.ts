/**
 * The Kubelet: wires the node agent, the pod lifecycle, the prober and the
 * kubelet HTTP server around one CRI runtime and one API client.
 *
 * - pod source: an informer on pods with `spec.nodeName=<node>`; its events
 *   are inputs of the pod lifecycle's dispatcher (`PodLifecycle.dispatch`),
 *   like PLEG events, probe results and the periodic resync; one worker per
 *   pod acts on them;
 * - the prober answers readiness; a liveness failure is one more input: the
 *   pod is resynced and its plan kills the container with the pod's (or the
 *   probe's) grace period, and the restart policy brings it back;
 * - the Node reports the HTTP server's port, so the API server's pods/log
 *   reaches `/containerLogs`.
 */
import { chmod, mkdir } from 'node:fs/promises';
import type { Pod, Service } from '@mk8s/api';
import { SharedInformerFactory, deletedObject, listerWatchersFor, realClock, type Clientset, type Clock } from '@mk8s/client';
import type { CriRuntime } from '@mk8s/cri';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '@mk8s/component-base';
import { ApiEventRecorder } from './events/recorder.js';
import { NodeAgent } from './node/node-agent.js';
import { containerRuntimeVersion, detectNodeConfig, type NodeConfigOverrides } from './node/node-config.js';
import { criRuntimeReadiness } from './node/runtime-readiness.js';
import { PodLifecycle } from './pods/pod-lifecycle.js';
import { criContainerEvents } from './pods/runtime-events.js';
import type { BackoffOptions } from './pods/backoff.js';
import type { ExternalRuntimeEvent } from './pods/pleg.js';
import { ProberManager } from './prober/index.js';
import { criLogLocator, startKubeletServer, type KubeletServer, type KubeletServerOptions } from './server/index.js';

export interface KubeletOptions {
  client: Clientset;
  runtime: CriRuntime;
  nodeName: string;
  /** Pod log folders live under `<rootDir>/pods/<uid>/`. */
  rootDir: string;
  /** Capacity, labels, addresses... (default: this host's). */
  node?: NodeConfigOverrides;
  /** Port of the kubelet HTTP server (default 10250; 0 picks a free one). */
  port?: number;
  /** Address it listens on (default 127.0.0.1). */
  address?: string;
  /** HTTPS for the kubelet server, and client certificates it requires (see server/kubelet-server.ts). */
  serverTLS?: KubeletServerOptions['tls'];
  clock?: Clock;
  log?: Logger;
  /** Runtime events (e.g. DockerRuntime.events()) so PLEG reacts at once. */
  runtimeEvents?: AsyncIterable<ExternalRuntimeEvent>;
  renewIntervalMs?: number;
  leaseDurationSeconds?: number;
  statusUpdateMs?: number;
  relistPeriodMs?: number;
  backoff?: Partial<BackoffOptions>;
}

export class Kubelet {
  private server: KubeletServer | undefined;
  readonly registry = new Registry();

  constructor(private readonly opts: KubeletOptions) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The HTTP server's URL once `run` has started it. */
  get url(): string | undefined {
    return this.server?.url;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { client, runtime, nodeName } = this.opts;
    // Pod folders hold Secret and ConfigMap volumes and container logs: no other local user may traverse them.
    // (Containers reach their volumes through bind mounts, which do not need the parent folders' permissions.)
    await mkdir(this.opts.rootDir, { recursive: true, mode: 0o700 });
    await chmod(this.opts.rootDir, 0o700);
    const clock = this.opts.clock ?? realClock;
    const log = this.opts.log;
    const server = await startKubeletServer({
      port: this.opts.port ?? 10250,
      host: this.opts.address ?? '127.0.0.1',
      logs: criLogLocator(runtime),
      runtime,
      registry: this.registry,
      nodeName,
      healthz: async () => (await criRuntimeReadiness(runtime)()).ready,
      log,
      tls: this.opts.serverTLS,
    });
    this.server = server;
    try {
      const version = await runtime.version({});
      const config = detectNodeConfig(nodeName, {
        ...this.opts.node,
        kubeletPort: server.port,
        nodeInfo: { ...this.opts.node?.nodeInfo, containerRuntimeVersion: containerRuntimeVersion(version) },
      });
      const hostIP = config.addresses.find((a) => a.type === 'InternalIP')?.address;
      const agent = new NodeAgent({
        client,
        config,
        clock,
        runtimeReady: criRuntimeReadiness(runtime),
        renewIntervalMs: this.opts.renewIntervalMs,
        leaseDurationSeconds: this.opts.leaseDurationSeconds,
        statusUpdateMs: this.opts.statusUpdateMs,
        log,
      });
      const prober = new ProberManager({ runtime, clock, log });
      const recorder = new ApiEventRecorder({ client, component: 'kubelet', host: nodeName, clock, log });
      const factory = new SharedInformerFactory(listerWatchersFor(client), { clock });
      const informer = factory.informerFor<Pod>('pods', { fieldSelector: `spec.nodeName=${nodeName}` });
      const services = factory.informerFor<Service>('services');
      // PLEG, the prober's results and the periodic resync reach the pods through the lifecycle's dispatcher.
      const pods = new PodLifecycle({
        client,
        runtime,
        nodeName,
        rootDir: this.opts.rootDir,
        clock,
        prober,
        hostIP,
        relistPeriodMs: this.opts.relistPeriodMs,
        backoff: this.opts.backoff,
        // Given events, else the runtime's own CRI stream when it has one.
        runtimeEvents: this.opts.runtimeEvents ?? (runtime.getContainerEvents ? criContainerEvents(runtime, signal, { log }) : undefined),
        log,
        recorder,
        // Services for containers' <SVC>_SERVICE_HOST/_PORT variables, read when a container starts.
        services: (ns) => services.lister.namespace(ns).list(),
      });
      // The pod source.
      informer.addEventHandler({
        onAdd: (pod) => pods.dispatch({ type: 'add', pod }),
        onUpdate: (_old, pod) => pods.dispatch({ type: 'update', pod }),
        onDelete: (obj) => pods.dispatch({ type: 'delete', pod: deletedObject(obj) }),
      });
      factory.start(signal);
      await Promise.all([agent.run(signal), pods.run(signal), factory.stopped()]);
      prober.stop();
    } finally {
      await server.close();
      this.server = undefined;
    }
  }
}
