/**
 * The node heartbeat (Kubernetes' nodelease controller): a Lease named after
 * the node in `kube-node-lease`, held by the node, renewed every
 * `renewIntervalMs`. The node-lifecycle controller reads its renewTime to
 * tell a live node from a dead one.
 */
import { errorMessage, microTime, type Lease, type OwnerReference } from '@mk8s/api';
import { silentLogger, every, isAlreadyExists, isConflict, isNotFound, realClock, type Clientset, type Clock, type Logger } from '@mk8s/client';
import { Backoff } from './backoff.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Tuned for fast healing (Kubernetes: 10 s and 40 s; docs/kubelet.md). */
export const DEFAULT_RENEW_INTERVAL_MS = 2_000;
export const DEFAULT_LEASE_DURATION_SECONDS = 10;
/** Kubernetes' maxUpdateRetries. */
const MAX_UPDATE_RETRIES = 5;

export interface NodeLeaseControllerOptions {
  client: Clientset;
  nodeName: string;
  clock?: Clock;
  renewIntervalMs?: number;
  leaseDurationSeconds?: number;
  log?: Logger;
  /** After a failed renewal, wait this long before trying again; doubles up to `maxBackoffMs`. Defaults 200 ms and 7 s, as Kubernetes. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export class NodeLeaseController {
  readonly renewIntervalMs: number;
  readonly leaseDurationSeconds: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** The Lease as last written or read: renewals update from it, so the steady state costs one PUT. */
  private cached: Lease | undefined;

  constructor(private readonly opts: NodeLeaseControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? silentLogger;
    this.renewIntervalMs = opts.renewIntervalMs ?? DEFAULT_RENEW_INTERVAL_MS;
    this.leaseDurationSeconds = opts.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
  }

  /** The Lease as last written or read, if any. */
  get latest(): Lease | undefined {
    return this.cached;
  }

  /**
   * Renews once: creates the Lease when missing, sets holder, duration,
   * renewTime = now and (when the Lease has none) the owner reference to the
   * Node. A conflict or a vanished Lease is retried at once on a fresh read,
   * up to 5 attempts; other errors reject.
   */
  async renewOnce(): Promise<Lease> {
    for (let attempt = 1; ; attempt++) {
      try {
        const base = this.cached ?? (await this.ensureLease());
        const next = await this.withOwner(this.renewed(base));
        this.cached = await this.leases().update(next);
        return this.cached;
      } catch (err) {
        this.cached = undefined;
        if (!(isConflict(err) || isNotFound(err)) || attempt >= MAX_UPDATE_RETRIES) throw err;
      }
    }
  }

  /** Renews every `renewIntervalMs` until `signal` aborts, backing off after failures; never gives up. Resolves after abort. */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.opts.initialBackoffMs ?? 200, this.opts.maxBackoffMs ?? 7_000);
    await every(
      this.renewIntervalMs,
      async () => {
        try {
          await this.renewOnce();
          backoff.reset();
          return undefined;
        } catch (err) {
          if (signal.aborted) return undefined;
          const wait = backoff.next();
          this.log.warn({ node: this.opts.nodeName, err: errorMessage(err), retryInMs: wait }, 'failed to renew node lease');
          return wait;
        }
      },
      signal,
      { clock: this.clock, immediate: true },
    );
  }

  private leases() {
    return this.opts.client.leases.inNamespace(NODE_LEASE_NAMESPACE);
  }

  /** Reads the Lease, creating it (already renewed) when missing. */
  private async ensureLease(): Promise<Lease> {
    const name = this.opts.nodeName;
    try {
      return await this.leases().get(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const fresh: Lease = await this.withOwner(
      this.renewed({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NODE_LEASE_NAMESPACE }, spec: {} }),
    );
    try {
      return await this.leases().create(fresh);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return this.leases().get(name);
    }
  }

  private renewed(lease: Lease): Lease {
    return {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: this.opts.nodeName,
        leaseDurationSeconds: this.leaseDurationSeconds,
        renewTime: microTime(this.clock.now()),
      },
    };
  }

  /**
   * Sets the owner reference to the Node when the Lease has none, so the
   * garbage collector removes the Lease with the Node. When the Node cannot
   * be read the Lease is written without one and a later renewal retries.
   */
  private async withOwner(lease: Lease): Promise<Lease> {
    if (lease.metadata?.ownerReferences?.length) return lease;
    let owner: OwnerReference;
    try {
      const node = await this.opts.client.nodes.get(this.opts.nodeName);
      if (!node.metadata?.uid) return lease;
      owner = { apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid: node.metadata.uid };
    } catch (err) {
      this.log.warn({ node: this.opts.nodeName, err: errorMessage(err) }, 'cannot set node as owner of its lease yet');
      return lease;
    }
    return { ...lease, metadata: { ...lease.metadata, ownerReferences: [owner] } };
  }
}
