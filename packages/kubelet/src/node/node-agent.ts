/**
 * The node half of the kubelet: registers the Node, then runs the Lease
 * heartbeat and the status manager side by side until stopped.
 */
import { errorMessage, type Node } from '@mk8s/api';
import { silentLogger, realClock, type Clientset, type Clock, type Logger } from '@mk8s/client';
import type { Readiness, RuntimeReadyFn } from './node-conditions.js';
import type { NodeConfig } from './node-config.js';
import { NodeLeaseController } from './node-lease.js';
import { registerNode } from './node-registration.js';
import { NodeStatusManager } from './node-status.js';

export interface NodeAgentOptions {
  client: Clientset;
  config: NodeConfig;
  clock?: Clock;
  /** Called before registration and every status sync; the kubelet passes `criRuntimeReadiness(runtime)`. */
  runtimeReady: RuntimeReadyFn;
  /** Default 2 s. */
  renewIntervalMs?: number;
  /** Default 10. */
  leaseDurationSeconds?: number;
  /** Default 10 s. */
  statusUpdateMs?: number;
  /** Default 60 s. */
  statusReportMs?: number;
  log?: Logger;
}

export class NodeAgent {
  readonly lease: NodeLeaseController;
  readonly status: NodeStatusManager;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly registration: Promise<Node>;
  private settle!: { resolve: (n: Node) => void; reject: (e: unknown) => void };
  private running = false;

  constructor(private readonly opts: NodeAgentOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? silentLogger;
    this.registration = new Promise<Node>((resolve, reject) => (this.settle = { resolve, reject }));
    // Nobody may be waiting on registered(); a stop before registration must not be an unhandled rejection.
    this.registration.catch(() => {});
    this.lease = new NodeLeaseController({
      client: opts.client,
      nodeName: opts.config.nodeName,
      clock: this.clock,
      log: this.log,
      renewIntervalMs: opts.renewIntervalMs,
      leaseDurationSeconds: opts.leaseDurationSeconds,
    });
    this.status = new NodeStatusManager({
      client: opts.client,
      config: opts.config,
      runtimeReady: opts.runtimeReady,
      clock: this.clock,
      log: this.log,
      statusUpdateMs: opts.statusUpdateMs,
      statusReportMs: opts.statusReportMs,
    });
  }

  /**
   * Registers (retrying until the API server answers), then renews the Lease
   * and syncs status until `signal` aborts; resolves after abort. Rejects
   * only when the server refuses the Node as invalid. Call once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error('NodeAgent.run may be called once');
    this.running = true;
    let node: Node;
    try {
      const readiness = await this.initialReadiness();
      node = await registerNode({ client: this.opts.client, config: this.opts.config, readiness, clock: this.clock, signal, log: this.log });
    } catch (err) {
      this.settle.reject(err);
      if (signal.aborted) return;
      throw err;
    }
    this.status.noteReported(this.clock.now());
    this.settle.resolve(node);
    await Promise.all([this.lease.run(signal), this.status.run(signal)]);
  }

  /** Resolves with the Node once registered; rejects if `run` ended before that. */
  registered(): Promise<Node> {
    return this.registration;
  }

  private async initialReadiness(): Promise<Readiness> {
    try {
      return await this.opts.runtimeReady();
    } catch (err) {
      return { ready: false, message: `container runtime status check failed: ${errorMessage(err)}` };
    }
  }
}
