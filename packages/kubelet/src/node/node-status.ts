/**
 * Keeping the Node's status true (Kubernetes' updateNodeStatus): every
 * `statusUpdateMs` the manager computes the status it wants and writes it
 * through `nodes/status` only when it differs from the server's (heartbeat
 * times aside) or `statusReportMs` has passed since its last write. The
 * Lease is the frequent heartbeat; this is the slow one.
 */
import { errorMessage, type Node } from '@mk8s/api';
import { silentLogger, every, realClock, retryOnConflict, type Clientset, type Clock, type Logger } from '@mk8s/client';
import { desiredNodeStatus, nodeStatusEqual } from './desired-status.js';
import type { Readiness, RuntimeReadyFn } from './node-conditions.js';
import type { NodeConfig } from './node-config.js';

/** Kubernetes' nodeStatusUpdateFrequency: how often the status is computed and compared. */
export const DEFAULT_STATUS_UPDATE_MS = 10_000;
/** How often the status is written even when nothing changed. */
export const DEFAULT_STATUS_REPORT_MS = 60_000;

export interface NodeStatusManagerOptions {
  client: Clientset;
  config: NodeConfig;
  runtimeReady: RuntimeReadyFn;
  clock?: Clock;
  statusUpdateMs?: number;
  statusReportMs?: number;
  log?: Logger;
}

export interface StatusSyncResult {
  /** Whether this sync wrote the status. */
  wrote: boolean;
  /** The Node as the server last answered (after the write, if any). */
  node: Node;
}

export class NodeStatusManager {
  readonly statusUpdateMs: number;
  readonly statusReportMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private lastReportAt: number | undefined;

  constructor(private readonly opts: NodeStatusManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? silentLogger;
    this.statusUpdateMs = opts.statusUpdateMs ?? DEFAULT_STATUS_UPDATE_MS;
    this.statusReportMs = opts.statusReportMs ?? DEFAULT_STATUS_REPORT_MS;
  }

  /** Records a status write made elsewhere (registration), so the report interval counts from it. */
  noteReported(atMs: number): void {
    this.lastReportAt = atMs;
  }

  /**
   * One round: asks the runtime, reads the Node, writes when changed or due.
   * A runtime check that throws counts as not ready. Conflicts are retried
   * on a fresh read; other API errors reject (the loop in `run` logs them).
   */
  async syncOnce(): Promise<StatusSyncResult> {
    const readiness = await this.readiness();
    const { client, config } = this.opts;
    return retryOnConflict(
      async () => {
        const node = await client.nodes.get(config.nodeName);
        const now = this.clock.now();
        const status = desiredNodeStatus(config, readiness, now, node.status);
        const due = this.lastReportAt === undefined || now - this.lastReportAt >= this.statusReportMs;
        if (!due && nodeStatusEqual(node.status, status)) return { wrote: false, node };
        const updated = await client.nodes.updateStatus({ ...node, status });
        this.lastReportAt = now;
        return { wrote: true, node: updated };
      },
      { clock: this.clock },
    );
  }

  /** Syncs every `statusUpdateMs` until `signal` aborts; never rejects for API errors. Resolves after abort. */
  async run(signal: AbortSignal): Promise<void> {
    await every(
      this.statusUpdateMs,
      async () => {
        try {
          const { wrote } = await this.syncOnce();
          if (wrote) this.log.info({ node: this.opts.config.nodeName }, 'updated node status');
        } catch (err) {
          if (!signal.aborted) this.log.warn({ node: this.opts.config.nodeName, err: errorMessage(err) }, 'error updating node status, will retry');
        }
      },
      signal,
      { clock: this.clock, immediate: true },
    );
  }

  private async readiness(): Promise<Readiness> {
    try {
      return await this.opts.runtimeReady();
    } catch (err) {
      return { ready: false, message: `container runtime status check failed: ${errorMessage(err)}` };
    }
  }
}
