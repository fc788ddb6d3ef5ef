import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { containerdAnswers } from '@mk8s/runtime-containerd';
import { cloudConfigPath } from './state.js';

/** The components `mk8s up` runs, in start order. */
export interface LaunchContext {
  home: string;
  data: string;
  /** Folder of the components' log files (`<name>.log`). */
  logs: string;
  apiPort: number;
  apiUrl: string;
  /** Label put on every container of this cluster (`io.mk8s.cluster=<id>`), so `down` finds them. */
  clusterLabel: string;
  /** The cluster's name (`mk8s-<id>`): kube-proxy scopes its iptables chains and service bridge by it. */
  clusterName: string;
  /** `mk8s up --secure`: HTTPS, client certificates per component, RBAC (pki.ts). */
  secure?: boolean;
  /** The launcher's own credential for its readiness checks when secure (the admin's). */
  admin?: { ca: string; cert: string; key: string };
}

/** GET on the API server with the launcher's credential when the cluster is secure: status and body text. */
export async function apiGet(ctx: LaunchContext, urlPath: string): Promise<{ ok: boolean; text: string }> {
  if (!ctx.secure) {
    const res = await fetch(`${ctx.apiUrl}${urlPath}`, { signal: AbortSignal.timeout(1000) });
    return { ok: res.ok, text: await res.text() };
  }
  const admin = ctx.admin;
  return new Promise((resolve, reject) => {
    // Kept: options of node's https.get, a node API that may not treat a present-but-undefined key as absent.
    const req = https.get(`${ctx.apiUrl}${urlPath}`, { ...(admin ? { ca: admin.ca, cert: admin.cert, key: admin.key } : {}), timeout: 1000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
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
    const urls = [...text.matchAll(/serving on (https?:\/\/[^\s"]+)/g)];
    const url = urls.at(-1)?.[1];
    if (!url) return false;
    if (url.startsWith('http:')) return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
    // A secure kubelet's /healthz is open; only whether it answers matters here, not who it is.
    return new Promise<boolean>((resolve) => {
      const req = https.get(`${url}/healthz`, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  };
}

/** The kubeconfig a component uses: its own identity's under pki/ when secure, else the shared one. */
const kubeconfigPath = (ctx: LaunchContext, stem: string): string => (ctx.secure ? path.join(ctx.home, 'pki', `${stem}.kubeconfig`) : `${ctx.home}/kubeconfig`);
const logOf = (ctx: LaunchContext, name: string): string => path.join(ctx.logs, `${name}.log`);

export const COMPONENTS: readonly ComponentSpec[] = [
  {
    name: 'kube-apiserver',
    app: 'kube-apiserver',
    args: (ctx) => [
      ...(ctx.secure
        ? [
            '--secure-port',
            String(ctx.apiPort),
            '--tls-cert-file',
            path.join(ctx.home, 'pki', 'apiserver.crt'),
            '--tls-private-key-file',
            path.join(ctx.home, 'pki', 'apiserver.key'),
            '--client-ca-file',
            path.join(ctx.home, 'pki', 'ca.crt'),
            '--token-auth-file',
            path.join(ctx.home, 'pki', 'tokens.csv'),
            '--service-account-signing-key-file',
            path.join(ctx.home, 'pki', 'sa.key'),
            '--service-account-key-file',
            path.join(ctx.home, 'pki', 'sa.pub'),
            '--authorization-mode',
            'Node,RBAC',
            '--kubelet-client-certificate',
            path.join(ctx.home, 'pki', 'apiserver-kubelet-client.crt'),
            '--kubelet-client-key',
            path.join(ctx.home, 'pki', 'apiserver-kubelet-client.key'),
            '--kubelet-certificate-authority',
            path.join(ctx.home, 'pki', 'ca.crt'),
            // API aggregation: the identity towards extension API servers, and front-proxy authentication (docs/api-aggregation.md).
            '--proxy-client-cert-file',
            path.join(ctx.home, 'pki', 'front-proxy-client.crt'),
            '--proxy-client-key-file',
            path.join(ctx.home, 'pki', 'front-proxy-client.key'),
            '--requestheader-client-ca-file',
            path.join(ctx.home, 'pki', 'front-proxy-ca.crt'),
            '--requestheader-allowed-names',
            'front-proxy-client',
            '--requestheader-username-headers',
            'X-Remote-User',
            '--requestheader-group-headers',
            'X-Remote-Group',
            '--requestheader-extra-headers-prefix',
            'X-Remote-Extra-',
          ]
        : ['--port', String(ctx.apiPort)]),
      '--data-dir',
      `${ctx.data}/apiserver`,
      // One JSON line per request (docs/audit.md), rotated at 100 MB, 3 old files kept.
      '--audit-log-path',
      path.join(ctx.logs, 'audit.log'),
      '--audit-log-maxsize',
      '100',
      '--audit-log-maxbackup',
      '3',
    ],
    ready: async (ctx) => (await apiGet(ctx, '/readyz')).ok,
  },
  {
    name: 'kube-controller-manager',
    app: 'kube-controller-manager',
    args: (ctx) => ['--kubeconfig', kubeconfigPath(ctx, 'kube-controller-manager'), '--port', '0', '--leader-elect'],
    ready: (ctx) => servesHealthz(logOf(ctx, 'kube-controller-manager'))(),
  },
  {
    name: 'kube-scheduler',
    app: 'kube-scheduler',
    args: (ctx) => ['--kubeconfig', kubeconfigPath(ctx, 'kube-scheduler'), '--port', '0', '--leader-elect'],
    ready: (ctx) => servesHealthz(logOf(ctx, 'kube-scheduler'))(),
  },
  {
    name: 'cloud-controller-manager',
    app: 'cloud-controller-manager',
    args: (ctx) => [
      '--kubeconfig',
      kubeconfigPath(ctx, 'cloud-controller-manager'),
      '--cloud-provider',
      'local',
      '--cloud-config',
      cloudConfigPath(ctx.home),
      '--port',
      '0',
      '--leader-elect',
    ],
    ready: (ctx) => servesHealthz(logOf(ctx, 'cloud-controller-manager'))(),
  },
  {
    name: 'kube-proxy',
    app: 'kube-proxy',
    // iptables as root (kube-proxy's own default then), userspace otherwise.
    args: (ctx) => ['--kubeconfig', kubeconfigPath(ctx, 'kube-proxy'), '--port', '0', '--cluster-name', ctx.clusterName],
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
export const CLOUD_CONTROLLER_MANAGER = COMPONENTS.some((c) => c.name === 'cloud-controller-manager');
export const UNINITIALIZED_TAINT = 'node.cloudprovider.kubernetes.io/uninitialized';

const kubeletArgs = (ctx: NodeContext, endpoint: string): string[] => [
  '--kubeconfig',
  kubeconfigPath(ctx, `kubelet-${ctx.node}`),
  '--node-name',
  ctx.node,
  '--runtime-endpoint',
  `unix://${endpoint}`,
  '--port',
  '0',
  '--root-dir',
  `${ctx.home}/kubelet`,
  ...(ctx.secure
    ? [
        '--tls-cert-file',
        path.join(ctx.home, 'pki', `kubelet-${ctx.node}-serving.crt`),
        '--tls-private-key-file',
        path.join(ctx.home, 'pki', `kubelet-${ctx.node}-serving.key`),
        '--client-ca-file',
        path.join(ctx.home, 'pki', 'ca.crt'),
      ]
    : []),
  ...(CLOUD_CONTROLLER_MANAGER ? ['--cloud-provider', 'external', '--register-with-taints', `${UNINITIALIZED_TAINT}=true:NoSchedule`] : []),
];

/**
 * The kubelet serves (its latest "serving on" line answers; an earlier run's
 * line does not count) and its Node is Ready and, with a cloud controller
 * manager, initialized (no uninitialized taint: pods can be scheduled there).
 */
const nodeReady = async (ctx: NodeContext): Promise<boolean> => {
  if (!(await servesHealthz(logOf(ctx, `kubelet-${ctx.node}`))())) return false;
  const res = await apiGet(ctx, `/api/v1/nodes/${ctx.node}`);
  if (!res.ok) return false;
  const node = JSON.parse(res.text) as { spec?: { taints?: Array<{ key: string }> }; status?: { conditions?: Array<{ type: string; status: string }> } };
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
