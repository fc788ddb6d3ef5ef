/**
 * kubelet: the node agent.
 *
 *   kubelet --kubeconfig .mk8s/kubeconfig --node-name node-1 \
 *           --runtime-endpoint unix:///run/mk8s/node-1/cri.sock
 *   kubelet --kubeconfig .mk8s/kubeconfig --node-name hollow-1 --hollow   # in-memory runtime
 *
 * Prints `kubelet node-1 serving on http://HOST:PORT` once its HTTP server
 * listens. SIGTERM stops it; pods keep running, and a restarted kubelet
 * adopts them.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Clientset, loadKubeconfig } from '@mk8s/client';
import {
  errorMessage,
  aborted,
  clientFlags,
  createLogger,
  FlagError,
  helpText,
  keyValueFlag,
  intFlag,
  loggingFlags,
  parseFlags,
  reportFatal,
  runMain,
  servingFlags,
} from '@mk8s/component-base';
import { CriClient, type CriRuntime } from '@mk8s/cri';
import { EXTERNAL_CLOUD_PROVIDER_TAINT, Kubelet, parseTaints, servingRefusal } from '@mk8s/kubelet';
import { FakeRuntime } from '@mk8s/runtime-fake';

const CLIENT = clientFlags();
const SERVING = servingFlags({
  port: 10250,
  portDescription: 'port of the kubelet HTTP server; 0 picks a free one',
  addressDescription: 'address the HTTP server listens on (a loopback address unless --client-ca-file)',
});
const LOGGING = loggingFlags();

const FLAGS = {
  ...CLIENT.flags,
  'node-name': { type: 'string', description: 'name of this node', default: os.hostname() },
  'runtime-endpoint': { type: 'string', description: 'CRI runtime socket, e.g. unix:///run/mk8s/dockershim.sock' },
  hollow: { type: 'boolean', description: 'use an in-memory runtime instead of a CRI socket (scale tests)' },
  'root-dir': { type: 'string', description: 'folder for pod logs', default: '.mk8s/kubelet' },
  ...SERVING.flags,
  'node-ip': { type: 'string', description: 'InternalIP reported for the node', default: '127.0.0.1' },
  cpu: { type: 'string', description: 'cpu capacity (default: this host)' },
  memory: { type: 'string', description: 'memory capacity (default: this host)' },
  'max-pods': { type: 'string', description: 'pods capacity', default: '110' },
  'node-labels': { type: 'string', description: 'extra labels, k=v,k2=v2' },
  'register-with-taints': { type: 'string', description: "taints the Node is created with, key=value:Effect,key2:Effect (a restart keeps the Node's own)" },
  'cloud-provider': {
    type: 'string',
    description: "'' (none) or 'external': a cloud-controller-manager sets providerID and zone; the Node registers with the uninitialized taint",
  },
  'tls-cert-file': { type: 'string', description: 'PEM serving certificate: the kubelet server speaks HTTPS (needs --client-ca-file)' },
  'tls-private-key-file': { type: 'string', description: 'PEM private key of --tls-cert-file' },
  'client-ca-file': { type: 'string', description: 'PEM CA: callers need a client certificate it signed, in group system:masters (the API server)' },
  ...LOGGING.flags,
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('kubelet', 'the node agent: runs the pods bound to this node', FLAGS));
    return;
  }
  const nodeName = flags['node-name'];
  const endpoint = flags['runtime-endpoint'];
  if (!flags.hollow && !endpoint) throw new FlagError('either --runtime-endpoint unix://PATH or --hollow is required');
  if (endpoint && !endpoint.startsWith('unix://')) throw new FlagError(`--runtime-endpoint must be unix://PATH, got "${endpoint}"`);
  const { port, host } = SERVING.parse(flags);
  const log = createLogger('kubelet', LOGGING.parse(flags).level);
  let taints;
  try {
    taints = parseTaints(flags['register-with-taints']);
  } catch (err) {
    throw new FlagError(`--register-with-taints: ${errorMessage(err)}`);
  }
  const cloudProvider = flags['cloud-provider'] ?? '';
  if (cloudProvider !== '' && cloudProvider !== 'external') throw new FlagError(`--cloud-provider must be '' or 'external', got "${cloudProvider}"`);
  if (cloudProvider === 'external' && !taints.some((t) => t.key === EXTERNAL_CLOUD_PROVIDER_TAINT.key)) taints.push({ ...EXTERNAL_CLOUD_PROVIDER_TAINT });
  // Unauthenticated exec and logs for anyone who reaches the port: only on loopback, never HTTPS without a client CA.
  const servingProblem = servingRefusal(host, flags['tls-cert-file'] ? { clientCA: flags['client-ca-file'] } : undefined);
  if (servingProblem) throw new FlagError(servingProblem);
  const config = await loadKubeconfig(CLIENT.parse(flags).kubeconfig);
  if ((flags['tls-cert-file'] === undefined) !== (flags['tls-private-key-file'] === undefined))
    throw new FlagError('--tls-cert-file and --tls-private-key-file go together');
  if (flags['client-ca-file'] && !flags['tls-cert-file']) throw new FlagError('--client-ca-file needs --tls-cert-file');
  const serverTLS = flags['tls-cert-file']
    ? {
        cert: readFileSync(flags['tls-cert-file']),
        key: readFileSync(flags['tls-private-key-file']!),
        clientCA: flags['client-ca-file'] ? readFileSync(flags['client-ca-file']) : undefined,
      }
    : undefined;
  // Merged over this host's capacity: a resource not given must be absent, not undefined.
  const capacity = {
    ...(flags.cpu ? { cpu: flags.cpu } : {}),
    ...(flags.memory ? { memory: flags.memory } : {}),
    pods: String(intFlag('max-pods', flags['max-pods'], 110)),
  };
  await runMain({
    name: 'kubelet',
    log: log.child({ node: nodeName }),
    run: async (signal) => {
      const client = new Clientset(config);
      const runtime: CriRuntime & { close?: () => void } = flags.hollow ? new FakeRuntime() : new CriClient(endpoint!.slice('unix://'.length));
      const kubelet = new Kubelet({
        client,
        runtime,
        nodeName,
        rootDir: path.resolve(flags['root-dir'], nodeName),
        port,
        address: host,
        serverTLS,
        node: {
          capacity,
          labels: keyValueFlag('node-labels', flags['node-labels']),
          taints,
          addresses: [
            { type: 'InternalIP', address: flags['node-ip'] },
            { type: 'Hostname', address: nodeName },
          ],
        },
        log: log.child({ node: nodeName }),
      });
      const running = kubelet.run(signal);
      // Announce once the HTTP server listens (the launcher waits for this line).
      for (let i = 0; i < 200 && !kubelet.url; i++) await new Promise((r) => setTimeout(r, 25));
      if (kubelet.url) console.log(`kubelet ${nodeName} serving on ${kubelet.url}`);
      await Promise.race([running, aborted(signal)]);
      await running;
      runtime.close?.();
      client.close();
    },
  });
}

main().catch((err: unknown) => reportFatal('kubelet', err));
