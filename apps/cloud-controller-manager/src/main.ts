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

const CLIENT = clientFlags();
const ELECTION = leaderElectionFlags({ lockName: 'cloud-controller-manager' });
const SERVING = servingFlags({ port: 10258 });
const LOGGING = loggingFlags();

const FLAGS = {
  ...CLIENT.flags,
  'cloud-provider': { type: 'string', description: `the cloud provider: ${cloudProviderNames().join(', ')}` },
  'cloud-config': {
    type: 'string',
    description: "the provider's configuration file (local: the launcher's instance inventory, e.g. .mk8s/cloud/instances.json)",
  },
  'load-balancer-pool': { type: 'string', description: 'addresses for LoadBalancer Services: a CIDR or FIRST-LAST', default: DEFAULT_LOAD_BALANCER_POOL },
  controllers: { type: 'string', description: `controllers to run: '*', 'name', '-name'; known: ${CLOUD_CONTROLLERS.join(', ')}`, default: '*' },
  ...ELECTION.flags,
  ...SERVING.flags,
  'node-monitor-period': { type: 'string', description: 'how often NotReady nodes are checked against the cloud', default: '2s' },
  ...LOGGING.flags,
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('cloud-controller-manager', 'runs the controllers that talk to the cloud', FLAGS));
    return;
  }
  const providerName = flags['cloud-provider'];
  if (!providerName) throw new FlagError(`--cloud-provider is required (known: ${cloudProviderNames().join(', ')})`);
  const serving = SERVING.parse(flags);
  const election = ELECTION.parse(flags);
  const log = createLogger('cloud-controller-manager', LOGGING.parse(flags).level);
  const config = await loadKubeconfig(CLIENT.parse(flags).kubeconfig);
  let cloud;
  try {
    cloud = await getCloudProvider(providerName, { configFile: flags['cloud-config'], loadBalancerPool: flags['load-balancer-pool'] });
  } catch (err) {
    if (err instanceof UnknownCloudProviderError) throw new FlagError(`--cloud-provider: ${err.message}`);
    if (err instanceof PoolError) throw new FlagError(`--load-balancer-pool: ${err.message}`);
    throw err;
  }
  const settings = { nodeMonitorPeriodMs: durationFlag('node-monitor-period', flags['node-monitor-period'], 2_000) };
  const controllers = flags.controllers.split(',');
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
          health: { ...serving, registry: metrics },
          ...election,
          client,
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
