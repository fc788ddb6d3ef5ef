/**
 * EtcdStore against real etcd (Debian's etcd-server, installed by
 * scripts/test.sh's ensure_etcd): the Store conformance suite on a
 * one-member cluster, then failover on a three-member one (a member killed
 * with SIGKILL while writes and a watch run). The members are children of
 * this process on free loopback ports with temporary data folders, killed
 * by PID afterwards. (packages/testing has the same helper as `startEtcd`;
 * storage sits below it in the dependency graph, so this file spawns etcd
 * itself.)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStoreConformance } from './testing/conformance.js';
import { EtcdStore } from './etcd-store.js';
import type { WatchEvent } from './store.js';
import { range, revisions, take } from './testing/test-helpers.js';

function installed(command: string): boolean {
  try {
    execFileSync(command, [command === 'etcd' ? '--version' : 'version'], { stdio: 'ignore', env: { ...process.env, ETCDCTL_API: '3' } });
    return true;
  } catch {
    return false;
  }
}

// A missing etcd or etcdctl fails the suite, naming it (a skip would read as a pass).
for (const [command, pkg] of [
  ['etcd', 'etcd-server'],
  ['etcdctl', 'etcd-client'],
] as const) {
  if (!installed(command)) throw new Error(`this suite needs ${command}: Debian: apt-get install ${pkg} (scripts/test.sh does it before the e2e stage)`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

interface Cluster {
  endpoints: string[];
  children: ChildProcess[];
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return gone;
}

async function startCluster(members: number): Promise<Cluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-etcd-store-'));
  const ports: number[] = [];
  while (ports.length < 2 * members) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const names = range(0, members - 1).map((i) => `m${i}`);
  const client = (i: number): string => `http://127.0.0.1:${ports[2 * i]}`;
  const peer = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const procs = names.map((name, i) => {
    const child = spawn(
      'etcd',
      [
        ...['--name', name, '--data-dir', path.join(dir, name)],
        ...['--listen-client-urls', client(i), '--advertise-client-urls', client(i)],
        ...['--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i)],
        ...['--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', `t-${process.pid}-${ports[0]}`],
        ...['--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.resume();
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  });
  const endpoints = names.map((_, i) => client(i));
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map(killChild));
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await Promise.all(
      endpoints.map((e) =>
        fetch(`${e}/health`, { signal: AbortSignal.timeout(2_000) })
          .then(async (res) => res.ok && ((await res.json()) as { health?: string }).health === 'true')
          .catch(() => false),
      ),
    );
    if (ok.every(Boolean)) return { endpoints, children: procs, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error('etcd cluster not healthy within 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('EtcdStore on a one-member cluster', () => {
  let cluster: Cluster | undefined;
  let n = 0;
  beforeAll(async () => {
    cluster = await startCluster(1);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  // Every test gets its own key prefix on the same etcd.
  defineStoreConformance('etcd', () => EtcdStore.open({ endpoints: cluster!.endpoints, prefix: `/conformance-${n++}` }));

  it('shares one revision and one history between two stores (two API servers)', async () => {
    const a = await EtcdStore.open({ endpoints: cluster!.endpoints, prefix: '/shared' });
    const b = await EtcdStore.open({ endpoints: cluster!.endpoints, prefix: '/shared' });
    try {
      const ac = new AbortController();
      const watch = b.watch('/x/', { afterRevision: b.currentRevision(), signal: ac.signal })[Symbol.asyncIterator]();
      const created = await a.create('/x/1', 'one');
      await expect(b.create('/x/1', 'again')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
      const updated = await b.update('/x/1', 'two', created.modRevision);
      await expect(a.update('/x/1', 'stale', created.modRevision)).rejects.toMatchObject({ code: 'CONFLICT', actualModRevision: updated.modRevision });
      expect(revisions(await take(watch, 2))).toEqual([created.modRevision, updated.modRevision]);
      expect(a.currentRevision()).toBe(updated.modRevision); // learned from the failed txn's header
      ac.abort();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("saves etcd's own snapshot, which etcdctl checks (revision, keys) and restores into a data folder", async () => {
    const store = await EtcdStore.open({ endpoints: cluster!.endpoints, prefix: '/snapshot' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-etcd-snap-'));
    try {
      for (let i = 0; i < 20; i++) await store.create(`/s/${i}`, `value-${i}`);
      const file = path.join(dir, 'etcd.db');
      const saved = await store.saveSnapshot(file);
      expect(saved.format).toBe('etcd-snapshot');
      const written = store.currentRevision();
      expect(saved.revision).toBeGreaterThanOrEqual(written);
      const env = { ...process.env, ETCDCTL_API: '3' };
      const status = JSON.parse(execFileSync('etcdctl', ['snapshot', 'status', file, '-w', 'json'], { env }).toString()) as {
        revision: number;
        totalKey: number;
      };
      expect(status.revision).toBeGreaterThanOrEqual(saved.revision);
      expect(status.totalKey).toBeGreaterThanOrEqual(20);
      execFileSync('etcdctl', ['snapshot', 'restore', file, '--data-dir', path.join(dir, 'restored')], { env, stdio: 'ignore' });
      expect(existsSync(path.join(dir, 'restored', 'member', 'snap', 'db'))).toBe(true);
      // A stream gets the same bytes, and is left open for the caller.
      const chunks: Buffer[] = [];
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => chunks.push(c));
      const streamed = await store.saveSnapshot(sink);
      expect(streamed.bytes).toBe(Buffer.concat(chunks).length);
      expect(sink.writableEnded).toBe(false);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends a watch whose history another store compacted with CompactedError', async () => {
    const a = await EtcdStore.open({ endpoints: cluster!.endpoints, prefix: '/compacted' });
    const b = await EtcdStore.open({ endpoints: cluster!.endpoints, prefix: '/compacted' });
    try {
      const start = a.currentRevision();
      for (let i = 0; i < 5; i++) await a.create(`/c/${i}`, 'v');
      await a.compact(a.currentRevision());
      // b has not heard of the compaction: etcd tells it.
      expect(b.compactedRevision()).toBeLessThan(a.compactedRevision());
      await expect(b.watch('/c/', { afterRevision: start })[Symbol.asyncIterator]().next()).rejects.toMatchObject({
        code: 'COMPACTED',
        compactedRevision: a.compactedRevision(),
      });
      expect(b.compactedRevision()).toBe(a.compactedRevision());
      await expect(b.list('/c/', { revision: start + 1 })).rejects.toMatchObject({ code: 'COMPACTED' });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('EtcdStore on a three-member cluster', () => {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(3);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('keeps every acknowledged write and a gap-free watch when a member is killed', async () => {
    const store = await EtcdStore.open({ endpoints: cluster!.endpoints, prefix: '/failover' });
    try {
      const base = store.currentRevision();
      const ac = new AbortController();
      const watch = store.watch('/f/', { afterRevision: base, signal: ac.signal })[Symbol.asyncIterator]();
      const acked = new Map<string, number>();
      let failed = 0;
      let stop = false;
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const key = `/f/${w}/${i}`;
          try {
            acked.set(key, (await store.create(key, `${w}-${i}`)).modRevision);
          } catch {
            failed++; // unacknowledged: may or may not be there
          }
        }
      };
      const writers = range(1, 4).map(writer);
      while (acked.size < 50) await new Promise((r) => setTimeout(r, 20));
      await killChild(cluster!.children[0]!);
      const before = acked.size;
      while (acked.size < before + 100) await new Promise((r) => setTimeout(r, 20));
      stop = true;
      await Promise.all(writers);

      const listed = await store.list('/f/');
      const present = new Map(listed.items.map((kv) => [kv.key, kv.modRevision]));
      for (const [key, modRevision] of acked) expect(present.get(key), key).toBe(modRevision);
      expect(listed.items.length).toBeGreaterThanOrEqual(acked.size);
      expect(listed.items.length).toBeLessThanOrEqual(acked.size + failed);

      // The watch saw every write, in order, exactly once, across the kill.
      const events: WatchEvent[] = await take(watch, listed.items.length, 60_000);
      const seen = revisions(events);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(new Set(seen).size).toBe(seen.length);
      expect(new Set(events.map((e) => e.kv.key))).toEqual(new Set(present.keys()));
      ac.abort();

      // With a member down, a snapshot that the client sends to it is retried on another: every one succeeds.
      for (let i = 0; i < 6; i++) {
        const sink = new PassThrough();
        let received = 0;
        sink.on('data', (c: Buffer) => (received += c.length));
        const saved = await store.saveSnapshot(sink);
        expect(saved.bytes).toBeGreaterThan(0);
        expect(received).toBe(saved.bytes);
      }
    } finally {
      await store.close();
    }
  });
});
