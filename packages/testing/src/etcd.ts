/**
 * A private etcd cluster (1 or 3 members) for tests of the real-etcd storage
 * backend and the HA setup: children of the test process, on free loopback
 * ports, with their data under one folder (a fresh temporary one by default,
 * removed by `stop()`). Nothing binds etcd's default ports 2379/2380, and no
 * system etcd is touched.
 *
 * Verified with Debian 12's etcd-server (etcd 3.4.23; `scripts/test.sh`
 * installs it with `ensure_etcd`). Members are stopped by PID: `kill()` is a
 * crash (SIGKILL), `stop()` ends every member and removes the folder; an
 * exit of the test process kills whatever is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface EtcdOptions {
  /** Number of members (default 1). */
  members?: 1 | 3;
  /** Folder for the members' data; default: a new temporary folder (removed by stop). */
  dir?: string;
  /** How long to wait for the cluster to be healthy; default 30 s. */
  timeoutMs?: number;
  /** Extra flags for every member (e.g. `--auto-compaction-retention=1`). */
  extraArgs?: string[];
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  /** The member's process id (undefined once it has exited). */
  pid: number | undefined;
  /** Everything the member printed so far. */
  output(): string;
  /** SIGKILL (a crash); resolves when the process is gone. */
  kill(): Promise<void>;
}

export interface EtcdCluster {
  /** Client URLs of every member, for `--etcd-servers` (comma-joined) or EtcdStore's `endpoints`. */
  endpoints: string[];
  members: EtcdMember[];
  dir: string;
  /** Kills every member that is still running and removes the folder if it was created here. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** A port the kernel just handed out on 127.0.0.1 (free unless someone grabs it first). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { health?: string };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdCluster> {
  const n = options.members ?? 1;
  const ownDir = options.dir === undefined;
  const dir = path.resolve(options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'mk8s-etcd-'))));
  const ports: number[] = [];
  while (ports.length < 2 * n) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const specs = Array.from({ length: n }, (_, i) => ({
    name: `etcd-${i}`,
    clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
    peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
    dataDir: path.join(dir, `etcd-${i}`),
  }));
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
  const token = `mk8s-${process.pid}-${Date.now()}`;

  const members: EtcdMember[] = [];
  const children: ChildProcess[] = [];
  for (const spec of specs) {
    await mkdir(spec.dataDir, { recursive: true });
    const child = spawn(
      'etcd',
      [
        '--name',
        spec.name,
        '--data-dir',
        spec.dataDir,
        '--listen-client-urls',
        spec.clientUrl,
        '--advertise-client-urls',
        spec.clientUrl,
        '--listen-peer-urls',
        spec.peerUrl,
        '--initial-advertise-peer-urls',
        spec.peerUrl,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        token,
        '--logger',
        'zap',
        '--log-outputs',
        'stderr',
        '--log-level',
        'warn',
        ...(options.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    children.push(child);
    let out = '';
    const append = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once('exit', () => {
        running.delete(child);
        resolve();
      });
    });
    child.once('error', (err) => {
      out += `spawn failed: ${err.message}\n`;
    });
    members.push({
      ...spec,
      get pid() {
        return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
      },
      output: () => out,
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    });
  }

  let stopped: Promise<void> | undefined;
  const cluster: EtcdCluster = {
    endpoints: specs.map((s) => s.clientUrl),
    members,
    dir,
    stop() {
      stopped ??= (async () => {
        await Promise.all(members.map((m) => m.kill()));
        if (ownDir) await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead) {
      const m = members[children.indexOf(dead)]!;
      await cluster.stop();
      throw new Error(`etcd member ${m.name} exited before the cluster was healthy:\n${m.output()}`);
    }
    const ok = await Promise.all(members.map((m) => healthy(m.clientUrl)));
    if (ok.every(Boolean)) return cluster;
    if (Date.now() > deadline) {
      await cluster.stop();
      throw new Error(`etcd cluster not healthy within ${options.timeoutMs ?? 30_000} ms:\n${members.map((m) => `--- ${m.name}\n${m.output()}`).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
