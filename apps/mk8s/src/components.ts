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
  /** URL that answers 200 once the component is ready. */
  readyUrl?: (ctx: LaunchContext) => string;
}

export const COMPONENTS: readonly ComponentSpec[] = [
  {
    name: 'kube-apiserver',
    app: 'kube-apiserver',
    built: true,
    issue: 3,
    args: (ctx) => ['--port', String(ctx.apiPort), '--data-dir', `${ctx.data}/apiserver`],
    readyUrl: (ctx) => `${ctx.apiUrl}/readyz`,
  },
  { name: 'kube-controller-manager', app: 'kube-controller-manager', built: false, issue: 8 },
  { name: 'kube-scheduler', app: 'kube-scheduler', built: false, issue: 7 },
  { name: 'cloud-controller-manager', app: 'cloud-controller-manager', built: false, issue: 12 },
  { name: 'kube-proxy', app: 'kube-proxy', built: false, issue: 9 },
  { name: 'kubelet', app: 'kubelet', built: false, issue: 6 },
];
