/**
 * kube-proxy: turns Services and Endpoints into forwarding on this machine.
 *
 *   kube-proxy --kubeconfig .mk8s/kubeconfig --mode iptables     # root: nat-table MK8S-<TAG>- chains
 *   kube-proxy --kubeconfig .mk8s/kubeconfig --mode userspace    # no root: TCP proxy on NodePorts
 *   kube-proxy --cleanup                                         # remove this cluster's chains, bridge and route; restore route_localnet
 *
 * `--cluster-name` scopes the chains (MK8S-<TAG>-, TAG from the name) and
 * the service bridge (mk8s-svc-<tag>) to one cluster, so the cleanup of one
 * cluster on a machine leaves another's alone (docs/kube-proxy.md).
 *
 * Prints `kube-proxy serving on http://HOST:PORT` once its health server
 * (/healthz, /metrics) listens. SIGTERM stops it; in iptables mode the rules
 * stay in place (as Kubernetes' kube-proxy does), `--cleanup` removes them.
 */
import { Clientset, loadKubeconfig } from '@mk8s/client';
import {
  aborted,
  clientFlags,
  createLogger,
  durationFlag,
  FlagError,
  helpText,
  loggingFlags,
  parseFlags,
  reportFatal,
  runMain,
  servingFlags,
  startHealthServer,
} from '@mk8s/component-base';
import {
  DEFAULT_CLUSTER_NAME,
  ExecIptables,
  IptablesProxier,
  KubeProxy,
  LinuxHostNetwork,
  UserspaceProxier,
  chainNames,
  cleanupIptables,
  serviceBridgeName,
  type Proxier,
} from '@mk8s/kube-proxy';
import { Registry, collectDefaultMetrics } from 'prom-client';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const CLIENT = clientFlags();
const SERVING = servingFlags({ port: 10256, addressFlag: 'bind-address' });
const LOGGING = loggingFlags();

const FLAGS = {
  ...CLIENT.flags,
  mode: { type: 'string', description: 'iptables (default as root) or userspace (default otherwise)' },
  'node-ip': { type: 'string', description: 'address userspace NodePort listeners bind', default: '127.0.0.1' },
  ...SERVING.flags,
  'service-cluster-ip-range': { type: 'string', description: "ClusterIP range (as the API server's), routed to the service bridge", default: '10.96.0.0/16' },
  'min-sync-period': { type: 'string', description: 'minimum time between syncs (bursts coalesce)', default: '100ms' },
  'sync-period': { type: 'string', description: 'full resync period', default: '30s' },
  'cluster-name': {
    type: 'string',
    description: "the cluster's name: scopes the iptables chains (MK8S-<TAG>-) and the service bridge (mk8s-svc-<tag>) to this cluster",
    default: DEFAULT_CLUSTER_NAME,
  },
  cleanup: {
    type: 'boolean',
    description:
      "remove this cluster's iptables chains, their jumps, its service bridge and route, put route_localnet back (unless another cluster needs it), then exit",
  },
  ...LOGGING.flags,
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('kube-proxy', 'turns Services and Endpoints into forwarding', FLAGS));
    return;
  }
  const log = createLogger('kube-proxy', LOGGING.parse(flags).level);
  const clusterName = flags['cluster-name'];
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(clusterName)) {
    throw new FlagError(`--cluster-name must be 1-63 letters, digits, '.', '_' or '-' starting with a letter or digit, got "${clusterName}"`);
  }
  const host = new LinuxHostNetwork({ bridge: serviceBridgeName(clusterName) });
  if (flags.cleanup) {
    const r = await cleanupIptables(new ExecIptables(), host, clusterName);
    console.log(`kube-proxy: removed the ${chainNames(clusterName).prefix} chains, their jumps, the service bridge ${host.bridge} and its route`);
    console.log(
      r.routeLocalnetKeptFor.length > 0
        ? `kube-proxy: route_localnet left on: other clusters still need it (${r.routeLocalnetKeptFor.join(', ')})`
        : r.routeLocalnet === undefined
          ? 'kube-proxy: route_localnet left as it is (no value remembered from before kube-proxy changed it)'
          : `kube-proxy: net.ipv4.conf.all.route_localnet restored to ${r.routeLocalnet}`,
    );
    return;
  }
  const mode = flags.mode ?? (isRoot ? 'iptables' : 'userspace');
  if (mode !== 'iptables' && mode !== 'userspace') throw new FlagError(`--mode must be iptables or userspace, got "${mode}"`);
  if (mode === 'iptables' && !isRoot) throw new FlagError('--mode iptables needs root (CAP_NET_ADMIN); use --mode userspace');
  const serving = SERVING.parse(flags);
  const serviceCIDR = flags['service-cluster-ip-range'];
  const minSyncIntervalMs = durationFlag('min-sync-period', flags['min-sync-period'], 100);
  const syncPeriodMs = durationFlag('sync-period', flags['sync-period'], 30_000);
  const config = await loadKubeconfig(CLIENT.parse(flags).kubeconfig);

  await runMain({
    name: 'kube-proxy',
    log,
    run: async (signal) => {
      const client = new Clientset(config);
      const proxier: Proxier =
        mode === 'iptables'
          ? new IptablesProxier({ iptables: new ExecIptables(), host, serviceCIDR, clusterName })
          : new UserspaceProxier({ nodeIP: flags['node-ip'], host: isRoot ? host : undefined, log });
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      const proxy = new KubeProxy({ client, proxier, registry, minSyncIntervalMs, syncPeriodMs, log });
      const health = await startHealthServer({
        ...serving,
        registry,
        liveness: { ping: () => true },
        readiness: { 'proxy-rules': () => proxy.healthy },
      });
      // Where this cluster's state lives on the host (chains and bridge are scoped by --cluster-name).
      console.log(`kube-proxy: cluster ${clusterName}: iptables chains ${chainNames(clusterName).prefix}*, service bridge ${host.bridge}`);
      console.log(`kube-proxy serving on ${health.url}`);
      log.info({ mode, url: health.url, serviceCIDR, clusterName }, 'kube-proxy started');
      try {
        await Promise.all([proxy.run(signal), aborted(signal)]);
      } finally {
        await health.close();
        client.close();
      }
    },
  });
}

main().catch((err: unknown) => reportFatal('kube-proxy', err));
