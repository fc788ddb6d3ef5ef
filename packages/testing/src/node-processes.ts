/**
 * One node of a cluster as separate processes, the way the e2e suites and
 * benchmarks that drive a kubelet run it: kube-apiserver (memory store, free
 * port), mk8s-dockershim on real Docker (or a CRI endpoint the caller runs,
 * such as containerd's) and a kubelet registered as `nodeName`. Everything
 * lives in one folder: `kubeconfig`, `cri.sock` and the kubelet's root
 * `kubelet/`.
 *
 * @example
 * ```ts
 * let node: NodeProcesses | undefined;
 * beforeAll(async () => {
 *   node = await startNodeProcesses({ dir, nodeName: 'e2e-node', scopeLabels: SCOPE });
 * });
 * afterAll(async () => {
 *   await node?.stop(); // kubelet, dockershim, API server; then remove the containers labelled SCOPE
 * });
 * ```
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { kubeconfigFor, startApiServerProcess, startComponent, type ComponentProcess } from './component-process.js';

export interface NodeProcessesOptions {
  /** The folder for the kubeconfig, the dockershim's socket and the kubelet's root dir (`<dir>/kubelet`); it must exist. */
  dir: string;
  /** The kubelet's --node-name. */
  nodeName: string;
  /** `key=value` labels the dockershim puts on every container it creates (`--scope-labels`), so the caller can remove them. */
  scopeLabels?: string;
  /** A CRI endpoint (`unix://...`) the caller runs; then no dockershim is started. */
  runtimeEndpoint?: string;
}

export interface NodeProcesses {
  apiserver: { proc: ComponentProcess; url: string };
  /** mk8s-dockershim; undefined when the options named a `runtimeEndpoint`. */
  shim: ComponentProcess | undefined;
  /** The running kubelet (replaced by `restartKubelet`). */
  kubelet: ComponentProcess;
  /** The kubelet's HTTP server (its port is chosen at start). */
  kubeletURL: string;
  /** The kubeconfig file for the API server (no credentials). */
  kubeconfig: string;
  /** The CRI endpoint the kubelet uses. */
  runtimeEndpoint: string;
  /** The kubelet's --root-dir. */
  rootDir: string;
  /** Stops the kubelet (when it still runs) and starts a new one with the same flags, which becomes `kubelet`. */
  restartKubelet(): Promise<ComponentProcess>;
  /** Stops the kubelet, the dockershim and the API server, in that order, each even when stopping another failed. */
  stop(): Promise<void>;
}

/**
 * Starts the API server, the dockershim (unless `runtimeEndpoint`) and the
 * kubelet. When one of them fails to start, the ones already running are
 * stopped before the error is thrown: a caller whose `startNodeProcesses`
 * threw has nothing to stop.
 */
export async function startNodeProcesses(opts: NodeProcessesOptions): Promise<NodeProcesses> {
  const kubeconfig = path.join(opts.dir, 'kubeconfig');
  const rootDir = path.join(opts.dir, 'kubelet');
  const runtimeEndpoint = opts.runtimeEndpoint ?? `unix://${path.join(opts.dir, 'cri.sock')}`;
  const started: ComponentProcess[] = [];
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const p of [...started].reverse()) await p.stop().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  };
  // `kubelet <node> serving on http://HOST:PORT` (apps/kubelet/src/main.ts).
  const kubeletReady = new RegExp(`kubelet ${opts.nodeName.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&')} serving on (http://\\S+)`);
  const startKubelet = async (): Promise<{ proc: ComponentProcess; match: string }> =>
    startComponent('kubelet', {
      args: [
        '--kubeconfig',
        kubeconfig,
        '--node-name',
        opts.nodeName,
        '--runtime-endpoint',
        runtimeEndpoint,
        '--port',
        '0',
        '--root-dir',
        rootDir,
        '--log-level',
        'warn',
      ],
      ready: kubeletReady,
    });

  try {
    const apiserver = await startApiServerProcess();
    started.push(apiserver.proc);
    await writeFile(kubeconfig, kubeconfigFor(apiserver.url));
    let shim: ComponentProcess | undefined;
    if (opts.runtimeEndpoint === undefined) {
      shim = (
        await startComponent('mk8s-dockershim', {
          args: ['--socket', path.join(opts.dir, 'cri.sock'), ...(opts.scopeLabels ? ['--scope-labels', opts.scopeLabels] : []), '--log-level', 'warn'],
          ready: /serving CRI on/,
        })
      ).proc;
      started.push(shim);
    }
    const first = await startKubelet();
    const kubeletIndex = started.push(first.proc) - 1;
    const node: NodeProcesses = {
      apiserver,
      shim,
      kubelet: first.proc,
      kubeletURL: first.match,
      kubeconfig,
      runtimeEndpoint,
      rootDir,
      async restartKubelet() {
        await node.kubelet.stop();
        const next = await startKubelet();
        started[kubeletIndex] = next.proc;
        node.kubelet = next.proc;
        node.kubeletURL = next.match;
        return next.proc;
      },
      stop: stopAll,
    };
    return node;
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
