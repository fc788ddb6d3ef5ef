/**
 * Helpers for e2e suites that run a whole cluster the way a user does:
 * `mk8s up` in a private MK8S_HOME on a free API port, kubectl against the
 * kubeconfig it writes, and `mk8s down --purge` at the end.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { unmountUnder } from '@mk8s/component-base';
import { REPO_ROOT, freePort } from '@mk8s/testing';

export { freePort };

export const run = promisify(execFile);

export interface E2eCluster {
  home: string;
  api: string;
  kubeconfig: string;
  env: NodeJS.ProcessEnv;
  mk8s(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** `kubectl ... -o json` parsed. */
  kubectlJson<T = unknown>(...args: string[]): Promise<T>;
  /** PID of a component `mk8s up` started (from its pid file). */
  pidOf(component: string): Promise<number>;
  /** `mk8s down --purge` and removes the home folder; safe to call twice. */
  destroy(): Promise<void>;
}

/** A private MK8S_HOME and API port; nothing runs until `mk8s('up', ...)`. */
export async function e2eCluster(): Promise<E2eCluster> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'mk8s-e2e-'));
  const port = await freePort();
  const env = { ...process.env, MK8S_HOME: home, MK8S_API_PORT: String(port), KUBECONFIG: path.join(home, 'kubeconfig') };
  const mk8s = (...args: string[]) =>
    run(process.execPath, [path.join(REPO_ROOT, 'apps/mk8s/bin/mk8s.mjs'), ...args], { env, cwd: REPO_ROOT, timeout: 120_000 });
  const kubectl = (...args: string[]) => run('kubectl', args, { env, timeout: 60_000, maxBuffer: 16 << 20 });
  let destroyed = false;
  return {
    home,
    api: `http://127.0.0.1:${port}`,
    kubeconfig: env.KUBECONFIG,
    env,
    mk8s,
    kubectl,
    kubectlJson: async <T>(...args: string[]) => JSON.parse((await kubectl(...args, '-o', 'json')).stdout) as T,
    pidOf: async (component) => Number.parseInt(await readFile(path.join(home, 'run', `${component}.pid`), 'utf8'), 10),
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await mk8s('down', '--purge').catch(() => undefined);
      // Never delete through a mount (mk8s down refuses to; a failed run may have left one).
      if ((await unmountUnder(home)).length === 0) await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * kubectl against a cluster `mk8s up --secure` started, with only a bearer
 * token (no client certificate, which would win): HTTPS to the API server,
 * trusting the cluster's CA (`$MK8S_HOME/pki/ca.crt`).
 */
export function kubectlToken(cluster: E2eCluster, token: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const api = cluster.api.replace('http://', 'https://');
  return run(
    'kubectl',
    ['--kubeconfig', '/dev/null', '--server', api, '--certificate-authority', path.join(cluster.home, 'pki', 'ca.crt'), '--token', token, ...args],
    {
      env: cluster.env,
      timeout: 60_000,
    },
  );
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  /** kubectl's exit code (0 on success). */
  code: number;
}

/** Runs stock kubectl against `server` with its discovery cache in `cacheDir`; a failure is a result with its exit code, not a throw. */
export async function kubectlAt(kubectl: string, server: string, cacheDir: string, ...args: string[]): Promise<KubectlResult> {
  try {
    const r = await run(kubectl, ['--server', server, '--cache-dir', cacheDir, ...args], { timeout: 30_000 });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? 1 };
  }
}
