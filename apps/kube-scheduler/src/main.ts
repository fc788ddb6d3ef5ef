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
import { createLogger, FlagError, helpText, intFlag, parseFlags, reportFatal, runMain, serveElected } from '@mk8s/component-base';
import { ConfigError, Scheduler, loadConfigFile, type SchedulerConfiguration } from '@mk8s/scheduler';

const FLAGS = {
  kubeconfig: { type: 'string', description: 'kubeconfig of the API server (default $KUBECONFIG)' },
  config: { type: 'string', description: 'KubeSchedulerConfiguration file (JSON or YAML): plugins, weights, percentageOfNodesToScore' },
  'leader-elect': { type: 'boolean', description: 'schedule only while holding the Lease kube-system/kube-scheduler' },
  port: { type: 'string', description: 'port of the healthz and metrics server; 0 picks a free one', default: '10259' },
  address: { type: 'string', description: 'address the healthz and metrics server listens on', default: '127.0.0.1' },
  'kube-api-qps': { type: 'string', description: 'requests per second to the API server', default: '50' },
  'kube-api-burst': { type: 'string', description: 'requests allowed in a burst above --kube-api-qps', default: '100' },
  'log-level': { type: 'string', description: 'trace, debug, info, warn, error or silent', default: 'info' },
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('kube-scheduler', 'places pending pods on nodes', FLAGS));
    return;
  }
  const port = intFlag('port', flags.port, 10259);
  const qps = intFlag('kube-api-qps', flags['kube-api-qps'], 50);
  const burst = intFlag('kube-api-burst', flags['kube-api-burst'], 100);
  const log = createLogger('kube-scheduler', (flags['log-level'] ?? 'info') as 'info');
  let config: SchedulerConfiguration | undefined;
  try {
    config = flags.config ? await loadConfigFile(flags.config) : undefined;
  } catch (err) {
    if (err instanceof ConfigError) throw new FlagError(`--config: ${err.message}`);
    throw err;
  }
  const clientConfig = await loadKubeconfig(flags.kubeconfig);
  await runMain({
    name: 'kube-scheduler',
    log,
    run: async (signal) => {
      // As kube-scheduler does: events go through their own client (connections and rate limit).
      const client = new Clientset({ ...clientConfig, qps, burst });
      const eventClient = new Clientset({ ...clientConfig, qps, burst });
      let scheduler: Scheduler;
      try {
        scheduler = new Scheduler({ client, eventClient, log, ...(config ? { config } : {}) });
      } catch (err) {
        client.close();
        eventClient.close();
        if (err instanceof ConfigError) throw new FlagError(`--config: ${err.message}`);
        throw err;
      }
      try {
        await serveElected({
          name: 'kube-scheduler',
          health: { port, host: flags.address ?? '127.0.0.1', registry: scheduler.registry, readiness: { 'informer-sync': () => scheduler.hasSynced() } },
          leaderElect: flags['leader-elect'] === true,
          client,
          lockName: 'kube-scheduler',
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
