/**
 * The chaos run's own cluster: `mk8s up` through the launcher binary in a
 * private MK8S_HOME (a temp folder) on a free API port, as
 * e2e/src/support/cluster.ts does, plus what chaos needs beyond that: the
 * processes' pid records, kill -9 of exactly one of them (only a process of
 * this cluster: its pid file, its recorded start time and its command line
 * naming this home must all agree), and a teardown that always runs.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Api, sleep } from './api.js';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** /proc/<pid>/stat: state (field 3) and start time (field 22), or undefined once the process is gone. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, start: rest[19]! };
  } catch {
    return undefined;
  }
}

/** A process that exists and is not a zombie (a killed process whose new parent has not reaped it yet is dead). */
export function processAlive(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** Mount points at or under `dir`, deepest first (/proc/self/mountinfo escapes space, tab, newline and backslash as \ooo). */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return info
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything under `dir` (lazily when busy); returns what is still mounted. */
async function unmountUnder(dir: string): Promise<string[]> {
  if (process.getuid?.() !== 0) return mountsUnder(dir);
  for (const m of await mountsUnder(dir)) {
    await run('umount', ['--no-canonicalize', m]).catch(() => run('umount', ['--no-canonicalize', '--lazy', m]).catch(() => undefined));
  }
  return mountsUnder(dir);
}

export interface PidRecord {
  pid: number;
  /** `run/<name>.start`: the process' start time in clock ticks since boot, when the launcher recorded one. */
  start?: string;
}

export class ChaosCluster {
  readonly api: Api;
  readonly url: string;
  /** The Docker label on every container of this cluster (the launcher's clusterLabel: sha256 of the home, 12 hex). */
  readonly label: string;
  private destroyed = false;

  private constructor(
    readonly repoRoot: string,
    readonly home: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.api = new Api(this.url);
    this.label = `io.mk8s.cluster=${createHash('sha256').update(home).digest('hex').slice(0, 12)}`;
  }

  /** A fresh home in the temp folder and a free port; nothing runs yet. */
  static async create(repoRoot: string): Promise<ChaosCluster> {
    const home = await mkdtemp(path.join(os.tmpdir(), 'mk8s-chaos-'));
    return new ChaosCluster(repoRoot, path.resolve(home), await freePort());
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, MK8S_HOME: this.home, MK8S_API_PORT: String(this.port), KUBECONFIG: path.join(this.home, 'kubeconfig') };
  }

  /** Runs the launcher; rejects (with its output) when it exits non-zero or runs past `timeoutMs`. */
  mk8s(args: string[], timeoutMs = 180_000): Promise<{ stdout: string; stderr: string }> {
    return run(process.execPath, [path.join(this.repoRoot, 'apps/mk8s/bin/mk8s.mjs'), ...args], {
      env: this.env,
      cwd: this.repoRoot,
      timeout: timeoutMs,
      maxBuffer: 16 << 20,
    });
  }

  /** The process names `mk8s up` recorded (run/*.pid). */
  async processNames(): Promise<string[]> {
    return (await readdir(path.join(this.home, 'run')).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -4))
      .sort();
  }

  async pidRecord(name: string): Promise<PidRecord | undefined> {
    const pid = Number.parseInt(await readFile(path.join(this.home, 'run', `${name}.pid`), 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const start = (await readFile(path.join(this.home, 'run', `${name}.start`), 'utf8').catch(() => undefined))?.trim();
    // An empty .start file counts as none.
    return { pid, start: start || undefined };
  }

  /**
   * The pid of `name` when it is alive and provably this cluster's process:
   * the start time the launcher recorded matches /proc (a reused pid has
   * another) and its command line names this cluster's home.
   */
  async livePid(name: string): Promise<number | undefined> {
    const rec = await this.pidRecord(name);
    if (!rec || !processAlive(rec.pid)) return undefined;
    if (rec.start !== undefined && procStat(rec.pid)?.start !== rec.start) return undefined;
    const cmdline = await readFile(`/proc/${rec.pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.split('\0').some((arg) => arg.includes(this.home))) return undefined;
    return rec.pid;
  }

  /** kill -9 of one process of this cluster; resolves once it is dead (or a zombie). Throws when `name` does not run. */
  async kill9(name: string): Promise<{ pid: number; at: number }> {
    const pid = await this.livePid(name);
    if (pid === undefined) throw new Error(`${name} is not running (or its pid is not this cluster's)`);
    const at = Date.now();
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 200 && processAlive(pid); i++) await sleep(50);
    if (processAlive(pid)) throw new Error(`${name} (pid ${pid}) still alive 10 s after SIGKILL`);
    return { pid, at };
  }

  /** The names of recorded processes that are not alive. */
  async deadProcesses(): Promise<string[]> {
    const out: string[] = [];
    for (const name of await this.processNames()) if ((await this.livePid(name)) === undefined) out.push(name);
    return out;
  }

  /** Copies the components' logs (and the audit log) to `dest`. */
  async copyLogs(dest: string): Promise<void> {
    await mkdir(dest, { recursive: true });
    await cp(path.join(this.home, 'logs'), dest, { recursive: true }).catch(() => undefined);
  }

  /**
   * Stops everything (mk8s down), then `beforePurge` (copy logs, verify the
   * stopped store), then unmounts what the kubelets left under the home and
   * purges it. Never deletes through a mount. Safe to call twice.
   */
  async destroy(beforePurge?: () => Promise<void>): Promise<string[]> {
    if (this.destroyed) return [];
    this.destroyed = true;
    const notes: string[] = [];
    await this.mk8s(['down'], 120_000).catch((err: Error) => notes.push(`mk8s down: ${err.message}`));
    if (beforePurge) await beforePurge().catch((err: Error) => notes.push(`before purge: ${err.message}`));
    await unmountUnder(this.home);
    await this.mk8s(['down', '--purge'], 120_000).catch((err: Error) => notes.push(`mk8s down --purge: ${err.message}`));
    const held = await unmountUnder(this.home);
    if (held.length === 0) await rm(this.home, { recursive: true, force: true });
    else notes.push(`left ${this.home} in place: still mounted ${held.join(', ')}`);
    return notes;
  }
}
