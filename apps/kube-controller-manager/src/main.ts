/**
 * kube-controller-manager: the control loops that make the cluster converge
 * (replicas, rollouts, garbage collection, namespaces, node failure, endpoints).
 *
 *   kube-controller-manager --kubeconfig .mk8s/kubeconfig --leader-elect
 *   kube-controller-manager --kubeconfig F --controllers '*,-endpoints-controller'
 *
 * Prints `kube-controller-manager serving on http://HOST:PORT` once its
 * health server (/healthz, /readyz, /metrics) listens. SIGTERM stops it
 * gracefully; with --leader-elect it releases its Lease so a standby takes
 * over at once, and it exits 1 if it ever loses the Lease.
 */
import { Clientset, UnknownControllerError, loadKubeconfig } from '@mk8s/client';
import {
  clientFlags,
  createLogger,
  durationFlag,
  FlagError,
  helpText,
  leaderElectionFlags,
  loggingFlags,
  parseFlags,
  reportFatal,
  runMain,
  serveElected,
  servingFlags,
} from '@mk8s/component-base';
import { CONTROLLER_DESCRIPTORS, ControllerManager } from '@mk8s/controller-manager';
import { Registry, collectDefaultMetrics } from 'prom-client';

const CLIENT = clientFlags();
const ELECTION = leaderElectionFlags({ lockName: 'kube-controller-manager' });
const SERVING = servingFlags({ port: 10257 });
const LOGGING = loggingFlags();

const FLAGS = {
  ...CLIENT.flags,
  controllers: {
    type: 'string',
    description: `controllers to run: '*' (all on by default), 'name' to add, '-name' to remove; known: ${CONTROLLER_DESCRIPTORS.map((d) => d.name).join(', ')}`,
    default: '*',
  },
  ...ELECTION.flags,
  ...SERVING.flags,
  'node-monitor-grace-period': { type: 'string', description: 'a node whose heartbeat is older than this becomes Unknown (Kubernetes: 40s)', default: '10s' },
  'node-monitor-period': { type: 'string', description: 'how often node health is checked', default: '1s' },
  'horizontal-pod-autoscaler-sync-period': { type: 'string', description: 'how often each HorizontalPodAutoscaler is reconciled', default: '15s' },
  'concurrent-syncs': { type: 'string', description: "workers per controller, name=N,name2=M (default: Kubernetes' --concurrent-*-syncs)" },
  ...LOGGING.flags,
} as const;

function workersFlag(value: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of (value ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [name, n] = pair.split('=');
    const count = Number(n);
    if (!name || !Number.isInteger(count) || count < 1) throw new FlagError(`--concurrent-syncs wants name=N with N >= 1, got "${pair}"`);
    out[name.trim()] = count;
  }
  return out;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('kube-controller-manager', 'runs the controllers that converge the cluster', FLAGS));
    return;
  }
  const serving = SERVING.parse(flags);
  const election = ELECTION.parse(flags);
  const log = createLogger('kube-controller-manager', LOGGING.parse(flags).level);
  const config = await loadKubeconfig(CLIENT.parse(flags).kubeconfig);
  const settings = {
    nodeMonitorGracePeriodMs: durationFlag('node-monitor-grace-period', flags['node-monitor-grace-period'], 10_000),
    nodeMonitorPeriodMs: durationFlag('node-monitor-period', flags['node-monitor-period'], 1_000),
    workers: workersFlag(flags['concurrent-syncs']),
    hpaSyncPeriodMs: durationFlag('horizontal-pod-autoscaler-sync-period', flags['horizontal-pod-autoscaler-sync-period'], 15_000),
  };
  const controllers = flags.controllers.split(',').map((s) => s.trim());
  await runMain({
    name: 'kube-controller-manager',
    log,
    run: async (signal) => {
      const client = new Clientset(config);
      const metrics = new Registry();
      collectDefaultMetrics({ register: metrics });
      let manager: ControllerManager;
      try {
        manager = new ControllerManager({ client, controllers, settings, log, metrics });
      } catch (err) {
        if (err instanceof UnknownControllerError) throw new FlagError(`--controllers: ${err.message}`);
        throw err;
      }
      log.info({ controllers: manager.enabled.map((d) => d.name) }, 'controllers enabled');
      try {
        await serveElected({
          name: 'kube-controller-manager',
          health: { ...serving, registry: metrics },
          ...election,
          client,
          log,
          signal,
          // One term only: losing the Lease makes serveElected reject and the process exit.
          run: (leadingSignal) => manager.run(leadingSignal),
        });
      } finally {
        client.close();
      }
    },
  });
}

main().catch((err: unknown) => reportFatal('kube-controller-manager', err));
