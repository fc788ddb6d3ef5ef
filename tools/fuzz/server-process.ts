/**
 * The API server under fuzz: a real kube-apiserver PROCESS (memory store,
 * port 0, loopback, no authentication flags = the insecure default), started
 * in a temporary directory and stopped by its PID.
 *
 * Two entries run the same program:
 *   - `source` (default): `node --conditions=mk8s-source --import tsx
 *     apps/kube-apiserver/src/main.ts`, one node process that runs the
 *     TypeScript sources of the tree, as vitest does, so the fuzz stage needs
 *     no build and never tests a stale dist/;
 *   - `dist`: `node apps/kube-apiserver/bin/kube-apiserver.mjs`, the built
 *     executable (needs `npm run build`).
 * Either way the PID is the server itself (no wrapper), so RSS and liveness
 * are the server's.
 *
 * Contract: `startServer` resolves once the server printed its
 * "kube-apiserver listening on URL" line, or rejects after killing the child
 * and removing the temp dir. `stop` sends SIGTERM, then SIGKILL after
 * `graceMs`, and always removes the temp dir. A process-exit hook SIGKILLs
 * any server still running if the fuzzer itself dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { send, type Target } from './raw-http.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type ServerEntry = 'source' | 'dist';

export interface ServerOptions {
  entry?: ServerEntry;
  /** Flags added after the fuzzer's defaults (a later flag wins). */
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** Checkout whose kube-apiserver to run (default: this repository), e.g. a baseline commit unpacked elsewhere. */
  root?: string;
}

export interface ServerProcess {
  url: string;
  target: Target;
  pid: number;
  /** The last 64 KiB the process printed (stdout and stderr). */
  output(): string;
  /** Undefined while running, else how it ended (`code 1`, `signal SIGKILL`). */
  exitStatus(): string | undefined;
  /** VmRSS from /proc/PID/status in bytes; undefined once exited or where /proc is missing. */
  rssBytes(): number | undefined;
  /** GET /healthz answered 200 `ok` within 5 s. */
  healthy(): Promise<boolean>;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Defaults chosen for fuzzing: metrics scraping off (a fuzzed Node must not
 * make the server dial an address the fuzzer made up) and a short compaction
 * window, so stored history stays bounded and memory growth means a leak.
 */
const FUZZ_ARGS = [
  '--port',
  '0',
  '--bind-address',
  '127.0.0.1',
  '--storage-backend',
  'memory',
  '--log-level',
  'error',
  '--metrics-resolution',
  '0',
  '--compaction-interval',
  '15s',
  '--compaction-window',
  '60s',
];

const OUTPUT_KEEP = 64 * 1024;
const running = new Set<ChildProcess>();
/** Stop functions of the servers started and not yet stopped (for stopAllServers). */
const stoppers = new Set<() => Promise<void>>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) if (c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  });
}

function commandFor(entry: ServerEntry, root: string): string[] {
  if (entry === 'dist') {
    if (!existsSync(path.join(root, 'apps/kube-apiserver/dist/main.js')))
      throw new Error('kube-apiserver is not built: run `npm run build` or use the source entry');
    return [path.join(root, 'apps/kube-apiserver/bin/kube-apiserver.mjs')];
  }
  // tsx's loader by absolute URL, so the server can run with the temp dir as its working directory.
  const loader = pathToFileURL(path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  return ['--conditions=mk8s-source', '--import', loader, path.join(root, 'apps/kube-apiserver/src/main.ts')];
}

export function readRss(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function startServer(opts: ServerOptions = {}): Promise<ServerProcess> {
  installExitHook();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mk8s-fuzz-'));
  const cleanDir = (): void => rmSync(dir, { recursive: true, force: true });
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...commandFor(opts.entry ?? 'source', opts.root ?? REPO_ROOT), ...FUZZ_ARGS, ...(opts.extraArgs ?? [])], {
      // The temp dir is the working directory: anything the server writes lands there and is removed with it.
      cwd: dir,
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    cleanDir();
    throw err;
  }
  running.add(child);
  let out = '';
  const append = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > OUTPUT_KEEP * 2) out = out.slice(-OUTPUT_KEEP);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `signal ${signal}` : `code ${code}`;
      running.delete(child);
      resolve();
    });
  });
  const kill = async (graceMs: number): Promise<void> => {
    stoppers.delete(stopDefault);
    if (exit === undefined && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(() => {
        if (exit === undefined && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(t);
    }
    cleanDir();
  };

  const stopDefault = (): Promise<void> => kill(5000);
  stoppers.add(stopDefault);

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`kube-apiserver did not print its listening line in ${opts.startTimeoutMs ?? 60_000} ms:\n${out}`)),
        opts.startTimeoutMs ?? 60_000,
      );
      const look = (): void => {
        const m = /kube-apiserver listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout!.on('data', look);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`kube-apiserver exited (${exit}) before listening:\n${out}`));
      });
    });
  } catch (err) {
    await kill(2000);
    throw err;
  }

  const u = new URL(url);
  const target: Target = { host: u.hostname, port: Number(u.port) };
  if (target.host !== '127.0.0.1') {
    await kill(2000);
    throw new Error(`refusing to fuzz a non-loopback address: ${url}`);
  }
  const pid = child.pid!;
  return {
    url,
    target,
    pid,
    output: () => out.slice(-OUTPUT_KEEP),
    exitStatus: () => exit,
    rssBytes: () => (exit === undefined ? readRss(pid) : undefined),
    async healthy() {
      if (exit !== undefined) return false;
      const o = await send(target, { method: 'GET', target: '/healthz', headers: [] }, { hangMs: 5000 });
      return o.kind === 'response' && o.res.status === 200 && o.res.body.trim() === 'ok';
    },
    stop: (graceMs = 5000) => kill(graceMs),
  };
}

/**
 * Stops every server this process started and has not stopped yet: for a
 * test's afterAll, which runs even when a campaign was abandoned mid-way
 * (a timeout leaves its `finally` blocks waiting).
 */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...stoppers].map((stop) => stop()));
}
