import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { containerdAnswers } from '@mk8s/runtime-containerd';
import { cloudConfigPath } from './state.js';

/**
 * The components `mk8s up` runs, in start order. A component whose issue has
 * not landed yet is listed with `built: false`: `up` names it as missing
 * instead of starting a program that would only say "not implemented".
 */
export interface LaunchContext {
  home: string;
  data: string;
  /** Folder of the components' log files (`<name>.log`). */
  logs: string;
  apiPort: number;
  apiUrl: string;
  /** Label put on every container of this cluster (`io.mk8s.cluster=<id>`), so `down` finds them. */
  clusterLabel: string;
}

export type RuntimeName = 'docker' | 'containerd';
export const RUNTIMES: readonly RuntimeName[] = ['docker', 'containerd'];

/** The node a per-node component serves. */
export interface NodeContext extends LaunchContext {
  node: string;
  /** 1-based index of the node (node-1 is 1). */
  index: number;
}

export interface ComponentSpec {
  /** Process name: log file `<name>.log`, pid file `<name>.pid`. */
  name: string;
  /** The app folder under apps/ whose bin/ starts it. */
  app: string;
  /** Whether its program exists yet; otherwise the issue that builds it. */
  built: boolean;
  issue: number;
  /** Command-line flags for this cluster. */
  args?: (ctx: LaunchContext) => string[];
  /** Resolves true once the component is ready. */
  ready?: (ctx: LaunchContext) => Promise<boolean>;
}

/**
 * Ready once the component has printed `... serving on http://HOST:PORT` in its
 * log (components pick free ports with `--port 0`) and that URL's /healthz
 * answers 200.
 */
export function servesHealthz(logFile: string): () => Promise<boolean> {
  return async () => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    const urls = [...text.matchAll(/serving on (http:\/\/[^\s"]+)/g)];
    const url = urls.at(-1)?.[1];
    if (!url) return false;
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  };
}

const kubeconfigPath = (ctx: LaunchContext): string => `${ctx.home}/kubeconfig`;
const logOf = (ctx: LaunchContext, name: string): string => path.join(ctx.logs, `${name}.log`);

export const COMPONENTS: readonly ComponentSpec[] = [
  {
    name: 'kube-apiserver',
    app: 'kube-apiserver',
    built: true,
    issue: 3,
    args: (ctx) => ['--port', String(ctx.apiPort), '--data-dir', `${ctx.data}/apiserver`],
    ready: async (ctx) => (await fetch(`${ctx.apiUrl}/readyz`, { signal: AbortSignal.timeout(1000) })).ok,
  },
  {
    name: 'kube-controller-manager',
    app: 'kube-controller-manager',
    built: true,
    issue: 8,
    args: (ctx) => ['--kubeconfig', kubeconfigPath(ctx), '--port', '0', '--leader-elect'],
    ready: (ctx) => servesHealthz(logOf(ctx, 'kube-controller-manager'))(),
  },
  {
    name: 'kube-scheduler',
    app: 'kube-scheduler',
    built: true,
    issue: 7,
    args: (ctx) => ['--kubeconfig', kubeconfigPath(ctx), '--port', '0', '--leader-elect'],
    ready: (ctx) => servesHealthz(logOf(ctx, 'kube-scheduler'))(),
  },
  {
    name: 'cloud-controller-manager',
    app: 'cloud-controller-manager',
    built: true,
    issue: 12,
    args: (ctx) => [
      '--kubeconfig', kubeconfigPath(ctx),
      '--cloud-provider', 'local',
      '--cloud-config', cloudConfigPath(ctx.home),
      '--port', '0',
      '--leader-elect',
    ],
    ready: (ctx) => servesHealthz(logOf(ctx, 'cloud-controller-manager'))(),
  },
  {
    name: 'kube-proxy',
    app: 'kube-proxy',
    built: true,
    issue: 9,
    // iptables as root (kube-proxy's own default then), userspace otherwise.
    args: (ctx) => ['--kubeconfig', kubeconfigPath(ctx), '--port', '0'],
    ready: (ctx) => servesHealthz(logOf(ctx, 'kube-proxy'))(),
  },
];

export interface NodeComponentSpec {
  /** Process name for a node: `<name>-<node>`. */
  name: string;
  /** The app folder under apps/ whose bin/ starts it, or an executable on PATH. */
  app?: string;
  command?: string;
  args: (ctx: NodeContext) => string[];
  /** Resolves true once the component is ready. */
  ready?: (ctx: NodeContext) => Promise<boolean>;
  /** Runs once after it is ready, before the next component starts. */
  afterReady?: (ctx: NodeContext) => Promise<void>;
}

export const criSocket = (ctx: NodeContext): string => `${ctx.home}/run/${ctx.node}/cri.sock`;

/** A node's private containerd: its folder, socket, bridge and pod subnet. */
export function containerdLayout(ctx: { home: string; index: number }): { dir: string; socket: string; bridge: string; subnet: string } {
  const dir = path.join(ctx.home, 'containerd', `node-${ctx.index}`);
  // One bridge and subnet per node; 10.89.0.0/16 is clear of Docker's 172.17/16 and the tests' 10.88.77/24.
  return { dir, socket: path.join(dir, 'containerd.sock'), bridge: `mk8s-ctrd-n${ctx.index}`, subnet: `10.89.${ctx.index}.0/24` };
}

/** Whether `mk8s up` runs a cloud-controller-manager: kubelets then leave their node to it (Kubernetes' `--cloud-provider external`). */
export const CLOUD_CONTROLLER_MANAGER = COMPONENTS.some((c) => c.name === 'cloud-controller-manager' && c.built);
export const UNINITIALIZED_TAINT = 'node.cloudprovider.kubernetes.io/uninitialized';

const kubeletArgs = (ctx: NodeContext, endpoint: string): string[] => [
  '--kubeconfig', kubeconfigPath(ctx),
  '--node-name', ctx.node,
  '--runtime-endpoint', `unix://${endpoint}`,
  '--port', '0',
  '--root-dir', `${ctx.home}/kubelet`,
  ...(CLOUD_CONTROLLER_MANAGER ? ['--cloud-provider', 'external', '--register-with-taints', `${UNINITIALIZED_TAINT}=true:NoSchedule`] : []),
];

/**
 * The kubelet serves (its latest "serving on" line answers; an earlier run's
 * line does not count) and its Node is Ready and, with a cloud controller
 * manager, initialized (no uninitialized taint: pods can be scheduled there).
 */
const nodeReady = async (ctx: NodeContext): Promise<boolean> => {
  if (!(await servesHealthz(logOf(ctx, `kubelet-${ctx.node}`))())) return false;
  const res = await fetch(`${ctx.apiUrl}/api/v1/nodes/${ctx.node}`, { signal: AbortSignal.timeout(1000) });
  if (!res.ok) return false;
  const node = (await res.json()) as { spec?: { taints?: Array<{ key: string }> }; status?: { conditions?: Array<{ type: string; status: string }> } };
  if (CLOUD_CONTROLLER_MANAGER && node.spec?.taints?.some((t) => t.key === UNINITIALIZED_TAINT)) return false;
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
};

/**
 * What every node runs, in start order: its CRI runtime, then its kubelet.
 * With `containerd` the runtime is a private containerd instance per node
 * (`prepare` in main.ts writes its files and `afterReady` imports the local
 * images, since nothing is pulled).
 */
export function nodeComponents(runtime: RuntimeName, importImages: (socket: string) => Promise<void>): NodeComponentSpec[] {
  if (runtime === 'containerd') {
    return [
      {
        name: 'containerd',
        command: 'containerd',
        args: (ctx) => ['--config', path.join(containerdLayout(ctx).dir, 'config.toml'), '--log-level', 'warn'],
        ready: (ctx) => containerdAnswers(containerdLayout(ctx).socket),
        afterReady: (ctx) => importImages(containerdLayout(ctx).socket),
      },
      { name: 'kubelet', app: 'kubelet', args: (ctx) => kubeletArgs(ctx, containerdLayout(ctx).socket), ready: nodeReady },
    ];
  }
  return [
    {
      name: 'dockershim',
      app: 'mk8s-dockershim',
      // Each node's shim sees only its own containers, though all share one Docker engine.
      args: (ctx) => ['--socket', criSocket(ctx), '--scope-labels', `${ctx.clusterLabel},io.mk8s.node=${ctx.node}`],
      // `up` removes stale sockets first, so the socket existing means the shim listens.
      ready: async (ctx) => existsSync(criSocket(ctx)),
    },
    { name: 'kubelet', app: 'kubelet', args: (ctx) => kubeletArgs(ctx, criSocket(ctx)), ready: nodeReady },
  ];
}
