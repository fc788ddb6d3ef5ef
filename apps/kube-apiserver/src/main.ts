/**
 * kube-apiserver: serves the Kubernetes API over the embedded store.
 *
 *   kube-apiserver --port 6443 --data-dir .mk8s/data/apiserver
 *
 * Prints `kube-apiserver listening on http://HOST:PORT` once it accepts
 * requests (with --port 0 the kernel picks the port). SIGTERM closes open
 * watches, finishes in-flight requests and closes the store: a restart on
 * the same --data-dir continues where it stopped.
 */
import { buildApiServer, openStore, startCompactor } from '@mk8s/apiserver';
import { aborted, createLogger, durationFlag, FlagError, helpText, intFlag, parseFlags, reportFatal, runMain } from '@mk8s/component-base';

const FLAGS = {
  port: { type: 'string', description: 'port to serve on; 0 picks a free one', default: '6443' },
  'bind-address': { type: 'string', description: 'address to listen on', default: '127.0.0.1' },
  'data-dir': { type: 'string', description: 'folder of the embedded store (required unless --storage-backend=memory)' },
  'storage-backend': { type: 'string', description: 'level (on disk, durable) or memory (lost on exit)', default: 'level' },
  'compaction-interval': { type: 'string', description: 'how often history is compacted', default: '60s' },
  'compaction-window': { type: 'string', description: 'how much history watches can resume from', default: '5m' },
  'bookmark-interval': { type: 'string', description: 'interval of watch bookmarks', default: '10s' },
  'default-not-ready-toleration-seconds': {
    type: 'string',
    description: 'tolerationSeconds of the not-ready:NoExecute toleration added to every pod that has none (Kubernetes: 300; mk8s heals fast)',
    default: '0',
  },
  'default-unreachable-toleration-seconds': {
    type: 'string',
    description: 'tolerationSeconds of the unreachable:NoExecute toleration added to every pod that has none (Kubernetes: 300)',
    default: '0',
  },
  'service-cluster-ip-range': { type: 'string', description: 'IPv4 CIDR Services get ClusterIPs from', default: '10.96.0.0/16' },
  'service-node-port-range': { type: 'string', description: 'inclusive port range NodePort Services get ports from', default: '30000-32767' },
  'metrics-resolution': {
    type: 'string',
    description: 'how often kubelets are scraped for metrics.k8s.io (kubectl top, HPAs); 0 turns scraping off',
    default: '10s',
  },
  'log-level': { type: 'string', description: 'trace, debug, info, warn, error or silent', default: 'info' },
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('kube-apiserver', 'the Kubernetes API over an embedded store', FLAGS));
    return;
  }
  const port = intFlag('port', flags.port, 6443);
  const host = flags['bind-address'] ?? '127.0.0.1';
  const backend = flags['storage-backend'];
  if (backend !== 'level' && backend !== 'memory') throw new FlagError(`--storage-backend must be level or memory, got "${backend}"`);
  if (backend === 'level' && !flags['data-dir']) throw new FlagError('--data-dir is required with --storage-backend=level');
  const compactionInterval = durationFlag('compaction-interval', flags['compaction-interval'], 60_000);
  const compactionWindow = durationFlag('compaction-window', flags['compaction-window'], 300_000);
  const bookmarkIntervalMs = durationFlag('bookmark-interval', flags['bookmark-interval'], 10_000);
  const metricsResolutionMs = durationFlag('metrics-resolution', flags['metrics-resolution'], 10_000);
  const admission = {
    defaultNotReadyTolerationSeconds: intFlag('default-not-ready-toleration-seconds', flags['default-not-ready-toleration-seconds'], 0),
    defaultUnreachableTolerationSeconds: intFlag('default-unreachable-toleration-seconds', flags['default-unreachable-toleration-seconds'], 0),
  };
  const log = createLogger('kube-apiserver', (flags['log-level'] ?? 'info') as 'info');

  await runMain({
    name: 'kube-apiserver',
    log,
    run: async (signal) => {
      const store = await openStore({ backend, ...(flags['data-dir'] ? { dataDir: flags['data-dir'] } : {}) });
      const stopCompactor = startCompactor(store, { intervalMs: compactionInterval, retainMs: compactionWindow });
      try {
        const server = await buildApiServer({
          store,
          loggerInstance: log,
          bookmarkIntervalMs,
          processMetrics: true,
          admission,
          serviceClusterIPRange: flags['service-cluster-ip-range'] ?? '10.96.0.0/16',
          serviceNodePortRange: flags['service-node-port-range'] ?? '30000-32767',
          metricsResolutionMs,
        });
        const address = await server.app.listen({ port, host });
        log.info({ address, revision: store.currentRevision(), backend }, 'serving');
        console.log(`kube-apiserver listening on ${address}`);
        await aborted(signal);
        await server.app.close();
      } finally {
        stopCompactor();
        await store.close();
      }
    },
  });
}

main().catch((err: unknown) => reportFatal('kube-apiserver', err));
