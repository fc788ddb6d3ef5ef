/**
 * kube-scheduler: places pending pods on nodes.
 *
 *   kube-scheduler --kubeconfig .mk8s/kubeconfig [--leader-elect] [--config scheduler.yaml] [--port 10259]
 *
 * Prints `kube-scheduler serving on http://HOST:PORT` once its health and
 * metrics server listens (/healthz, /livez, /readyz, /metrics). With
 * --leader-elect it schedules only while it holds the Lease
 * kube-system/kube-scheduler, and exits non-zero when it loses it. SIGTERM
 * stops it gracefully (in-flight binds finish, the lease is released).
 */
import { Clientset, loadKubeconfig } from '@mk8s/client';
import {
  clientFlags,
  createLogger,
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
import { ConfigError, Scheduler, loadConfigFile, type SchedulerConfiguration } from '@mk8s/scheduler';

const CLIENT = clientFlags({ qps: 50, burst: 100 });
const ELECTION = leaderElectionFlags({ lockName: 'kube-scheduler', verb: 'schedule' });
const SERVING = servingFlags({ port: 10259 });
const LOGGING = loggingFlags();

const FLAGS = {
  ...CLIENT.flags,
  config: { type: 'string', description: 'KubeSchedulerConfiguration file (JSON or YAML): plugins, weights, percentageOfNodesToScore' },
  ...ELECTION.flags,
  ...SERVING.flags,
  ...LOGGING.flags,
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('kube-scheduler', 'places pending pods on nodes', FLAGS));
    return;
  }
  const serving = SERVING.parse(flags);
  const { kubeconfig, qps, burst } = CLIENT.parse(flags);
  const election = ELECTION.parse(flags);
  const log = createLogger('kube-scheduler', LOGGING.parse(flags).level);
  let config: SchedulerConfiguration | undefined;
  try {
    config = flags.config ? await loadConfigFile(flags.config) : undefined;
  } catch (err) {
    if (err instanceof ConfigError) throw new FlagError(`--config: ${err.message}`);
    throw err;
  }
  const clientConfig = await loadKubeconfig(kubeconfig);
  await runMain({
    name: 'kube-scheduler',
    log,
    run: async (signal) => {
      // As kube-scheduler does: events go through their own client (connections and rate limit).
      const client = new Clientset({ ...clientConfig, qps, burst });
      const eventClient = new Clientset({ ...clientConfig, qps, burst });
      let scheduler: Scheduler;
      try {
        scheduler = new Scheduler({ client, eventClient, log, config });
      } catch (err) {
        client.close();
        eventClient.close();
        if (err instanceof ConfigError) throw new FlagError(`--config: ${err.message}`);
        throw err;
      }
      try {
        await serveElected({
          name: 'kube-scheduler',
          health: { ...serving, registry: scheduler.registry, readiness: { 'informer-sync': () => scheduler.hasSynced() } },
          ...election,
          client,
          log,
          signal,
          run: (leading) => scheduler.run(leading),
        });
      } finally {
        client.close();
        eventClient.close();
      }
    },
  });
}

main().catch((err: unknown) => reportFatal('kube-scheduler', err));
