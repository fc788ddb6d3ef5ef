/**
 * Runs a built mk8s executable (apps/<name>/bin/<name>.mjs) as a child
 * process for e2e tests and benchmarks: waits for the line that says it is
 * serving, keeps its output for failure messages, and stops it by PID
 * (SIGTERM, then SIGKILL) so a test never leaves a process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ComponentProcess {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string>;
  /** SIGKILL at once (a crash). */
  kill(): Promise<number | string>;
}

export interface StartOptions {
  args: string[];
  /** Resolves `start` once a line matches; its first group is returned as `match`. */
  ready: RegExp;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export function binPath(app: string): string {
  const bin = path.join(REPO_ROOT, 'apps', app, 'bin', `${app}.mjs`);
  if (!existsSync(path.join(REPO_ROOT, 'apps', app, 'dist', 'main.js'))) {
    throw new Error(`${app} is not built: run \`npm run build\` first`);
  }
  return bin;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startComponent(app: string, opts: StartOptions): Promise<{ proc: ComponentProcess; match: string }> {
  const child = spawn(process.execPath, [binPath(app), ...opts.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  running.add(child);
  let out = '';
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const proc: ComponentProcess = {
    child,
    output: () => out,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
  const match = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void proc.kill();
      reject(new Error(`${app} did not become ready in ${opts.timeoutMs ?? 20_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 20_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = opts.ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { proc, match };
}

/** Starts kube-apiserver on a free port; memory store unless `dataDir` is given. */
export async function startApiServerProcess(opts: { dataDir?: string; extraArgs?: string[] } = {}): Promise<{ proc: ComponentProcess; url: string }> {
  const args = [
    '--port',
    '0',
    '--log-level',
    'warn',
    ...(opts.dataDir ? ['--data-dir', opts.dataDir] : ['--storage-backend', 'memory']),
    ...(opts.extraArgs ?? []),
  ];
  const { proc, match } = await startComponent('kube-apiserver', { args, ready: /kube-apiserver listening on (http:\/\/\S+)/ });
  return { proc, url: match };
}

/** A minimal kubeconfig (no credentials) for the API server at `url`, as the built components read it. */
export function kubeconfigFor(url: string): string {
  return `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n`;
}
