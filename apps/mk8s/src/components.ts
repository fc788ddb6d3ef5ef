import { existsSync } from 'node:fs';

/**
 * The components `mk8s up` runs, in start order. A component whose issue has
 * not landed yet is listed with `built: false`: `up` names it as missing
 * instead of starting a program that would only say "not implemented".
 */
export interface LaunchContext {
  home: string;
  data: string;
  apiPort: number;
  apiUrl: string;
  /** Label put on every container of this cluster (`io.mk8s.cluster=<id>`), so `down` finds them. */
  clusterLabel: string;
}

/** The node a per-node component serves. */
export interface NodeContext extends LaunchContext {
  node: string;
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

export const COMPONENTS: readonly ComponentSpec[] = [
  {
    name: 'kube-apiserver',
    app: 'kube-apiserver',
    built: true,
    issue: 3,
    args: (ctx) => ['--port', String(ctx.apiPort), '--data-dir', `${ctx.data}/apiserver`],
    ready: async (ctx) => (await fetch(`${ctx.apiUrl}/readyz`, { signal: AbortSignal.timeout(1000) })).ok,
  },
  { name: 'kube-controller-manager', app: 'kube-controller-manager', built: false, issue: 8 },
  { name: 'kube-scheduler', app: 'kube-scheduler', built: false, issue: 7 },
  { name: 'cloud-controller-manager', app: 'cloud-controller-manager', built: false, issue: 12 },
  { name: 'kube-proxy', app: 'kube-proxy', built: false, issue: 9 },
];

export interface NodeComponentSpec {
  /** Process name for a node: `<name>-<node>`. */
  name: string;
  app: string;
  args: (ctx: NodeContext) => string[];
  /** Resolves true once the component is ready. */
  ready?: (ctx: NodeContext) => Promise<boolean>;
}

export const criSocket = (ctx: NodeContext): string => `${ctx.home}/run/${ctx.node}/cri.sock`;

/** What every node runs, in start order: its CRI runtime, then its kubelet. */
export const NODE_COMPONENTS: readonly NodeComponentSpec[] = [
  {
    name: 'dockershim',
    app: 'mk8s-dockershim',
    // Each node's shim sees only its own containers, though all share one Docker engine.
    args: (ctx) => ['--socket', criSocket(ctx), '--scope-labels', `${ctx.clusterLabel},io.mk8s.node=${ctx.node}`],
    // `up` removes stale sockets first, so the socket existing means the shim listens.
    ready: async (ctx) => existsSync(criSocket(ctx)),
  },
  {
    name: 'kubelet',
    app: 'kubelet',
    args: (ctx) => [
      '--kubeconfig', `${ctx.home}/kubeconfig`,
      '--node-name', ctx.node,
      '--runtime-endpoint', `unix://${criSocket(ctx)}`,
      '--port', '0',
      '--root-dir', `${ctx.home}/kubelet`,
    ],
    ready: async (ctx) => {
      const res = await fetch(`${ctx.apiUrl}/api/v1/nodes/${ctx.node}`, { signal: AbortSignal.timeout(1000) });
      if (!res.ok) return false;
      const node = (await res.json()) as { status?: { conditions?: Array<{ type: string; status: string }> } };
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
  },
];
