/**
 * kube-proxy: turns Services and Endpoints into forwarding on this machine.
 *
 *   kube-proxy --kubeconfig .mk8s/kubeconfig --mode iptables     # root: nat-table MK8S- chains
 *   kube-proxy --kubeconfig .mk8s/kubeconfig --mode userspace    # no root: TCP proxy on NodePorts
 *   kube-proxy --cleanup                                         # remove MK8S- chains, bridge and route; restore route_localnet
 *
 * Prints `kube-proxy serving on http://HOST:PORT` once its health server
 * (/healthz, /metrics) listens. SIGTERM stops it; in iptables mode the rules
 * stay in place (as Kubernetes' kube-proxy does), `--cleanup` removes them.
 */
import { Clientset, loadKubeconfig } from '@mk8s/client';
import { aborted, createLogger, durationFlag, FlagError, helpText, intFlag, parseFlags, reportFatal, runMain, startHealthServer } from '@mk8s/component-base';
import { ExecIptables, IptablesProxier, KubeProxy, LinuxHostNetwork, UserspaceProxier, cleanupIptables, type Proxier } from '@mk8s/kube-proxy';
import { Registry, collectDefaultMetrics } from 'prom-client';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const FLAGS = {
  kubeconfig: { type: 'string', description: 'kubeconfig of the API server (default $KUBECONFIG)' },
  mode: { type: 'string', description: 'iptables (default as root) or userspace (default otherwise)' },
  'node-ip': { type: 'string', description: 'address userspace NodePort listeners bind', default: '127.0.0.1' },
  port: { type: 'string', description: 'port of /healthz and /metrics; 0 picks a free one', default: '10256' },
  'bind-address': { type: 'string', description: 'address of the health server', default: '127.0.0.1' },
  'service-cluster-ip-range': { type: 'string', description: "ClusterIP range (as the API server's), routed to the service bridge", default: '10.96.0.0/16' },
  'min-sync-period': { type: 'string', description: 'minimum time between syncs (bursts coalesce)', default: '100ms' },
  'sync-period': { type: 'string', description: 'full resync period', default: '30s' },
  cleanup: { type: 'boolean', description: 'remove MK8S- iptables chains, jumps, the service bridge and route, put route_localnet back, then exit' },
  'log-level': { type: 'string', description: 'trace, debug, info, warn, error or silent', default: 'info' },
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('kube-proxy', 'turns Services and Endpoints into forwarding', FLAGS));
    return;
  }
  const log = createLogger('kube-proxy', (flags['log-level'] ?? 'info') as 'info');
  if (flags.cleanup) {
    const routeLocalnet = await cleanupIptables(new ExecIptables(), new LinuxHostNetwork());
    console.log('kube-proxy: removed MK8S- chains, jumps, the service bridge and its route');
    console.log(
      routeLocalnet === undefined
        ? 'kube-proxy: route_localnet left as it is (no value remembered from before kube-proxy changed it)'
        : `kube-proxy: net.ipv4.conf.all.route_localnet restored to ${routeLocalnet}`,
    );
    return;
  }
  const mode = flags.mode ?? (isRoot ? 'iptables' : 'userspace');
  if (mode !== 'iptables' && mode !== 'userspace') throw new FlagError(`--mode must be iptables or userspace, got "${mode}"`);
  if (mode === 'iptables' && !isRoot) throw new FlagError('--mode iptables needs root (CAP_NET_ADMIN); use --mode userspace');
  const port = intFlag('port', flags.port, 10256);
  const serviceCIDR = flags['service-cluster-ip-range'] ?? '10.96.0.0/16';
  const minSyncIntervalMs = durationFlag('min-sync-period', flags['min-sync-period'], 100);
  const syncPeriodMs = durationFlag('sync-period', flags['sync-period'], 30_000);
  const config = await loadKubeconfig(flags.kubeconfig);

  await runMain({
    name: 'kube-proxy',
    log,
    run: async (signal) => {
      const client = new Clientset(config);
      const host = new LinuxHostNetwork();
      const proxier: Proxier =
        mode === 'iptables'
          ? new IptablesProxier({ iptables: new ExecIptables(), host, serviceCIDR })
          : new UserspaceProxier({ nodeIP: flags['node-ip'] ?? '127.0.0.1', ...(isRoot ? { host } : {}), log });
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      const proxy = new KubeProxy({ client, proxier, registry, minSyncIntervalMs, syncPeriodMs, log });
      const health = await startHealthServer({
        port,
        host: flags['bind-address'] ?? '127.0.0.1',
        registry,
        liveness: { ping: () => true },
        readiness: { 'proxy-rules': () => proxy.healthy },
      });
      console.log(`kube-proxy serving on ${health.url}`);
      log.info({ mode, url: health.url, serviceCIDR }, 'kube-proxy started');
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
