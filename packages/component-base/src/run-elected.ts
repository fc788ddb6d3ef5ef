/**
 * `--leader-elect` as the control-plane components use it: campaign for a
 * Lease, do the work only while leading, and fail (so the process exits
 * non-zero and is restarted) when leadership is lost, because in-memory state
 * may be stale once another replica has acted. Without election the work
 * simply runs until the signal aborts.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { errorMessage, type Lease } from '@mk8s/api';
import { aborted, runLeaderElection, type Clientset, type LeaseClient } from '@mk8s/client';
import { startHealthServer, type HealthServerOptions } from './health-server.js';

export interface RunElectedOptions {
  /** false: run without election. */
  leaderElect: boolean;
  client: Clientset;
  /** The Leases' endpoints; default `apiLeaseClient(client)` (tests pass a fake). */
  leaseClient?: LeaseClient;
  /** The Lease's name, e.g. `kube-scheduler`; in `kube-system` unless `namespace` says otherwise. */
  lockName: string;
  namespace?: string;
  /** Default `<hostname>_<random>`, unique per process as Kubernetes makes it. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  signal: AbortSignal;
  /** The guarded work; must stop when its signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

export class LeadershipLostError extends Error {}

/** A LeaseClient over the API's coordination.k8s.io/v1 leases. */
export function apiLeaseClient(client: Clientset): LeaseClient {
  return {
    get: (namespace, name) => client.leases.inNamespace(namespace).get(name),
    create: (lease: Lease) => client.leases.inNamespace(lease.metadata?.namespace ?? 'default').create(lease),
    update: (lease: Lease) => client.leases.inNamespace(lease.metadata?.namespace ?? 'default').update(lease),
  };
}

export async function runElected(opts: RunElectedOptions): Promise<void> {
  if (!opts.leaderElect) return opts.run(opts.signal);
  const identity = opts.identity ?? `${os.hostname()}_${randomBytes(4).toString('hex')}`;
  const namespace = opts.namespace ?? 'kube-system';
  opts.log?.info({ lease: `${namespace}/${opts.lockName}`, identity }, 'campaigning for leadership');
  const end = await runLeaderElection({
    lock: { client: opts.leaseClient ?? apiLeaseClient(opts.client), namespace, name: opts.lockName, identity },
    leaseDurationMs: opts.leaseDurationMs,
    renewDeadlineMs: opts.renewDeadlineMs,
    retryPeriodMs: opts.retryPeriodMs,
    releaseOnCancel: true,
    signal: opts.signal,
    onError: (err) => opts.log?.warn({ err: errorMessage(err) }, 'leader election'),
    callbacks: {
      onStartedLeading: async (leading) => {
        opts.log?.info({ identity }, 'became leader');
        await opts.run(leading);
      },
      onNewLeader: (leader) => {
        if (leader !== identity) opts.log?.info({ leader }, 'another instance leads; waiting');
      },
    },
  });
  if (end === 'lost') throw new LeadershipLostError(`lost the leadership of ${namespace}/${opts.lockName}`);
}

export interface ServeElectedOptions extends Omit<RunElectedOptions, 'run'> {
  /** Names the component in the "serving on" line the launcher waits for. */
  name: string;
  /** The health server; its /readyz also reports `leader` (ready while leading, or always without election). */
  health: HealthServerOptions;
  /** The guarded work; must stop when its signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * How the control-plane components run (scheduler, controller managers):
 * health and metrics server up first, the `<name> serving on URL` line, then
 * the work under `--leader-elect` until `signal` aborts; the health server
 * closes last. Rejects with LeadershipLostError when leadership is lost.
 */
export async function serveElected(opts: ServeElectedOptions): Promise<void> {
  const { name, health: healthOptions, run, ...elected } = opts;
  let leading = !opts.leaderElect;
  const health = await startHealthServer({
    ...healthOptions,
    readiness: { ...healthOptions.readiness, leader: () => leading },
  });
  console.log(`${name} serving on ${health.url}`);
  try {
    await runElected({
      ...elected,
      run: async (leadingSignal) => {
        leading = true;
        try {
          await run(leadingSignal);
        } finally {
          leading = !opts.leaderElect;
        }
      },
    });
    await aborted(opts.signal);
  } finally {
    await health.close();
  }
}
