/**
 * cloud-controller-manager: the controllers that talk to the cloud (node
 * initialization and removal, LoadBalancer Services), over a cloud provider
 * chosen by name.
 *
 *   cloud-controller-manager --kubeconfig .mk8s/kubeconfig --cloud-provider local \
 *       --cloud-config .mk8s/cloud/instances.json --leader-elect
 *
 * Prints `cloud-controller-manager serving on http://HOST:PORT` once its
 * health server (/healthz, /readyz, /metrics) listens. SIGTERM stops it; with
 * --leader-elect it holds the Lease kube-system/cloud-controller-manager,
 * releases it on SIGTERM and exits 1 if it ever loses it.
 */
import { Clientset, UnknownControllerError, loadKubeconfig } from '@mk8s/client';
import { createLogger, durationFlag, FlagError, helpText, intFlag, parseFlags, reportFatal, runMain, serveElected } from '@mk8s/component-base';
import {
  CLOUD_CONTROLLERS,
  CloudControllerManager,
  cloudProviderNames,
  DEFAULT_LOAD_BALANCER_POOL,
  getCloudProvider,
  PoolError,
  UnknownCloudProviderError,
} from '@mk8s/cloud-controller-manager';
import { Registry, collectDefaultMetrics } from 'prom-client';

const FLAGS = {
  kubeconfig: { type: 'string', description: 'kubeconfig of the API server (default $KUBECONFIG)' },
  'cloud-provider': { type: 'string', description: `the cloud provider: ${cloudProviderNames().join(', ')}` },
  'cloud-config': {
    type: 'string',
    description: "the provider's configuration file (local: the launcher's instance inventory, e.g. .mk8s/cloud/instances.json)",
  },
  'load-balancer-pool': { type: 'string', description: 'addresses for LoadBalancer Services: a CIDR or FIRST-LAST', default: DEFAULT_LOAD_BALANCER_POOL },
  controllers: { type: 'string', description: `controllers to run: '*', 'name', '-name'; known: ${CLOUD_CONTROLLERS.join(', ')}`, default: '*' },
  'leader-elect': { type: 'boolean', description: 'run only while holding the Lease kube-system/cloud-controller-manager' },
  port: { type: 'string', description: 'port of /healthz and /metrics; 0 picks a free one', default: '10258' },
  address: { type: 'string', description: 'address the health server listens on', default: '127.0.0.1' },
  'node-monitor-period': { type: 'string', description: 'how often NotReady nodes are checked against the cloud', default: '2s' },
  'log-level': { type: 'string', description: 'trace, debug, info, warn, error or silent', default: 'info' },
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('cloud-controller-manager', 'runs the controllers that talk to the cloud', FLAGS));
    return;
  }
  const providerName = flags['cloud-provider'];
  if (!providerName) throw new FlagError(`--cloud-provider is required (known: ${cloudProviderNames().join(', ')})`);
  const port = intFlag('port', flags.port, 10258);
  const log = createLogger('cloud-controller-manager', (flags['log-level'] ?? 'info') as 'info');
  const config = await loadKubeconfig(flags.kubeconfig);
  let cloud;
  try {
    cloud = await getCloudProvider(providerName, {
      ...(flags['cloud-config'] ? { configFile: flags['cloud-config'] } : {}),
      loadBalancerPool: flags['load-balancer-pool'] ?? DEFAULT_LOAD_BALANCER_POOL,
    });
  } catch (err) {
    if (err instanceof UnknownCloudProviderError) throw new FlagError(`--cloud-provider: ${err.message}`);
    if (err instanceof PoolError) throw new FlagError(`--load-balancer-pool: ${err.message}`);
    throw err;
  }
  const settings = { nodeMonitorPeriodMs: durationFlag('node-monitor-period', flags['node-monitor-period'], 2_000) };
  const controllers = (flags.controllers ?? '*').split(',');
  await runMain({
    name: 'cloud-controller-manager',
    log,
    run: async (signal) => {
      const client = new Clientset(config);
      const metrics = new Registry();
      collectDefaultMetrics({ register: metrics });
      let manager: CloudControllerManager;
      try {
        manager = new CloudControllerManager({ client, cloud, controllers, settings, log, metrics });
      } catch (err) {
        if (err instanceof UnknownControllerError) throw new FlagError(`--controllers: ${err.message}`);
        throw err;
      }
      log.info({ cloud: cloud.name, controllers: manager.enabled }, 'controllers enabled');
      try {
        await serveElected({
          name: 'cloud-controller-manager',
          health: { port, host: flags.address ?? '127.0.0.1', registry: metrics },
          leaderElect: flags['leader-elect'] === true,
          client,
          lockName: 'cloud-controller-manager',
          log,
          signal,
          run: (leadingSignal) => manager.run(leadingSignal),
        });
      } finally {
        client.close();
      }
    },
  });
}

main().catch((err: unknown) => reportFatal('cloud-controller-manager', err));
