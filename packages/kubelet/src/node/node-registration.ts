/**
 * Registering the Node at kubelet start (Kubernetes' registerWithAPIServer):
 * create it with labels, taints and a full status; when it already exists
 * (a kubelet restart) reconcile our labels and rewrite our part of the
 * status, leaving spec (cordon, taints) and others' labels alone.
 */
import { errorMessage, type Node } from '@mk8s/api';
import { silentLogger, isAlreadyExists, isBadRequest, isInvalid, realClock, retryOnConflict, type Clientset, type Clock, type Logger } from '@mk8s/client';
import { Backoff } from './backoff.js';
import { desiredNodeStatus } from './desired-status.js';
import type { Readiness } from './node-conditions.js';
import { validateResources, type NodeConfig } from './node-config.js';

export interface RegisterNodeOptions {
  client: Clientset;
  config: NodeConfig;
  /** The runtime's state for the initial Ready condition; default not ready ("kubelet is starting"). */
  readiness?: Readiness;
  clock?: Clock;
  /** Stops retrying: the call rejects with the signal's reason. */
  signal?: AbortSignal;
  log?: Logger;
  /** First wait after a failed attempt; doubles up to `maxBackoffMs`. Defaults 100 ms and 7 s, as Kubernetes. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The labels the kubelet keeps on its Node: `kubernetes.io/hostname`,
 * `kubernetes.io/os`, `kubernetes.io/arch` and their deprecated `beta.`
 * twins, then `config.labels` over them.
 */
export function nodeLabels(config: NodeConfig): Record<string, string> {
  const { operatingSystem: os, architecture: arch } = config.nodeInfo;
  return {
    'kubernetes.io/hostname': config.nodeName,
    'kubernetes.io/os': os,
    'kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': os,
    'beta.kubernetes.io/arch': arch,
    ...config.labels,
  };
}

/** The Node as first created: labels, the configured taints, full status. */
export function initialNode(config: NodeConfig, readiness: Readiness, nowMs: number): Node {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: config.nodeName, labels: nodeLabels(config) },
    spec: {},
    status: desiredNodeStatus(config, readiness, nowMs),
  };
  if (config.taints?.length) node.spec = { taints: config.taints.map((t) => ({ ...t })) };
  return node;
}

const STARTING: Readiness = { ready: false, message: 'kubelet is starting' };

/**
 * Creates or reconciles the Node; resolves with it as the server last
 * answered. Retries every failure with backoff until the API server takes
 * it, except a request the server rejects as invalid (400/422), which would
 * fail forever and rejects at once, as does a config whose resources are not
 * quantities (TypeError). Idempotent: calling it again converges
 * to the same Node.
 */
export async function registerNode(opts: RegisterNodeOptions): Promise<Node> {
  const { client, config } = opts;
  validateResources(config);
  const clock = opts.clock ?? realClock;
  const log = opts.log ?? silentLogger;
  const readiness = opts.readiness ?? STARTING;
  const backoff = new Backoff(opts.initialBackoffMs ?? 100, opts.maxBackoffMs ?? 7_000);
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    try {
      let created = false;
      try {
        await client.nodes.create(initialNode(config, readiness, clock.now()));
        created = true;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      // Also after a create: an API server may drop status on create (mk8s
      // does, for kinds with a status subresource), so status goes through
      // nodes/status in every case.
      const node = await reconcileExisting(client, config, readiness, clock);
      log.info({ node: config.nodeName }, created ? 'registered node' : 'node already registered; reconciled labels and status');
      return node;
    } catch (err) {
      if (isInvalid(err) || isBadRequest(err)) throw err;
      const wait = backoff.next();
      log.warn({ node: config.nodeName, err: errorMessage(err), retryInMs: wait }, 'unable to register node with the API server');
      await clock.sleep(wait, opts.signal);
    }
  }
}

/**
 * Our labels are patched in (others' labels, spec and the rest of metadata
 * stay, which is what a restarted kubelet needs); then our status fields are
 * written through nodes/status when they differ, keeping transition times of
 * conditions whose status did not change.
 */
async function reconcileExisting(client: Clientset, config: NodeConfig, readiness: Readiness, clock: Clock): Promise<Node> {
  const name = config.nodeName;
  let node = await client.nodes.get(name);
  const want = nodeLabels(config);
  const have = node.metadata?.labels ?? {};
  const missing = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
  if (Object.keys(missing).length > 0) {
    node = await client.nodes.patch(name, { metadata: { labels: missing } }, 'merge');
  }
  let first = true;
  return retryOnConflict(
    async () => {
      const current = first ? node : await client.nodes.get(name);
      first = false;
      const status = desiredNodeStatus(config, readiness, clock.now(), current.status);
      return client.nodes.updateStatus({ ...current, status });
    },
    { clock },
  );
}
