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

/** Polls `get` until it returns a value that is not undefined; rethrows nothing, reports the last error on timeout. */
export async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await get();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

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
