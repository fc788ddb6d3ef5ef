// Operating the store as an administrator would (docs/operations.md), on a
// real kube-apiserver process over its on-disk store:
//
// a. Events expire `--event-ttl` after their last activity: kubectl sees them
//    go, a watcher gets DELETED, other objects stay, and /metrics counts the
//    expired ones and reports the store's size on disk.
// b. `mk8s snapshot save` while the cluster runs, `mk8s snapshot restore`
//    once it is down: the objects of the snapshot come back, later ones do
//    not, resourceVersions keep increasing and an old one gets 410 Gone; a
//    running cluster and an altered file are refused.
// c. A damaged store is refused at start, naming the folder and the restore
//    command, never opened as an empty one.
// d. A full disk (a small tmpfs made here): writes fail with a clear 500,
//    /readyz fails, and once space returns the server takes writes again
//    without a restart, having lost no acknowledged write.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eventually, requireRoot, requireTool, startApiServerProcess, type ComponentProcess } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, run, type E2eCluster } from './support/cluster.js';

requireTool('kubectl', process.env['KUBECTL'] ?? 'kubectl', ['version', '--client']);

function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#'));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('operations: event retention', () => {
  let dir = '';
  let api: { proc: ComponentProcess; url: string } | undefined;
  const kubectl = (...args: string[]) => run(process.env['KUBECTL'] ?? 'kubectl', ['--server', api!.url, ...args], { timeout: 30_000 });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-ops-'));
    api = await startApiServerProcess({ dataDir: path.join(dir, 'data'), extraArgs: ['--event-ttl', '3s'] });
  });
  afterAll(async () => {
    await api?.proc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('expires Events a TTL after their last activity; a watcher sees them deleted; other objects stay', async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const event = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
      reason: 'Tested',
      message: 'an event that should expire',
      type: 'Normal',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component: 'e2e' },
    });
    const post = async (body: unknown, resource: string) =>
      (
        await fetch(`${api!.url}/api/v1/namespaces/default/${resource}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).status;
    expect(await post(event('short-lived'), 'events')).toBe(201);
    expect(await post({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { a: 'b' } }, 'configmaps')).toBe(201);
    const list = await fetch(`${api!.url}/api/v1/namespaces/default/events`);
    const rv = ((await list.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    expect((await kubectl('get', 'events', '-n', 'default', '-o', 'name')).stdout).toContain('event/short-lived');

    // A watch from before the expiry sees the DELETED event the reaper causes.
    const watch = await fetch(`${api!.url}/api/v1/namespaces/default/events?watch=1&resourceVersion=${rv}&timeoutSeconds=30`);
    const reader = watch.body!.getReader();
    let seen = '';
    const deleted = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return false;
        seen += decoder.decode(value, { stream: true });
        if (/"type":"DELETED"[^\n]*"name":"short-lived"/.test(seen)) return true;
      }
    })();
    expect(await deleted).toBe(true);
    await reader.cancel();
    expect((await kubectl('get', 'events', '-n', 'default', '-o', 'name')).stdout).not.toContain('short-lived');
    expect((await kubectl('get', 'configmap', 'kept', '-n', 'default', '-o', 'name')).stdout.trim()).toBe('configmap/kept');

    const metrics = await eventually(
      async () => {
        const text = await (await fetch(`${api!.url}/metrics`)).text();
        return (metric(text, 'apiserver_mk8s_expired_events_total') ?? 0) >= 1 ? text : undefined;
      },
      { timeoutMs: 10_000, message: 'apiserver_mk8s_expired_events_total never counted the expired Event' },
    );
    expect(metric(metrics, 'apiserver_storage_size_bytes')).toBeGreaterThan(0);
  });

  it('refuses a --event-ttl that is not a positive duration, naming the flag', async () => {
    const bad = await startApiServerProcess({ extraArgs: ['--event-ttl', 'forever'] }).then(
      async (s) => {
        await s.proc.stop();
        return 'started';
      },
      (err: unknown) => String(err),
    );
    expect(bad).toMatch(/--event-ttl must be a duration/);
  });
});

const json = { 'content-type': 'application/json' };
const configMap = (name: string, data: Record<string, string> = { a: 'b' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('operations: snapshot save and restore with mk8s', () => {
  let cluster: E2eCluster;
  let dir = '';
  const post = async (name: string) =>
    (
      await fetch(`${cluster.api}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: json, body: JSON.stringify(configMap(name)) })
    ).json() as Promise<{
      metadata: { resourceVersion: string };
    }>;

  beforeAll(async () => {
    cluster = await e2eCluster();
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-snap-'));
    await cluster.mk8s('up', '--nodes', '0');
  });
  afterAll(async () => {
    await cluster?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves while running, refuses to restore into a running cluster, restores once down; revisions keep increasing', async () => {
    const file = path.join(dir, 'cluster.snap');
    await post('before-snapshot');
    const saved = await cluster.mk8s('snapshot', 'save', file);
    expect(saved.stdout).toMatch(/mk8s: saved a snapshot at revision \d+ \(\d+ rows, \d+ bytes\) to /);
    const last = await post('after-snapshot');
    const lastRv = Number(last.metadata.resourceVersion);

    const refused = await cluster.mk8s('snapshot', 'restore', file).then(
      () => 'restored',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(refused).toMatch(/is running .*kube-apiserver.*stop it with mk8s down/);

    await cluster.mk8s('down');
    const restored = await cluster.mk8s('snapshot', 'restore', file);
    expect(restored.stdout).toMatch(/mk8s: restored \d+ objects from .* \(snapshot revision \d+\)/);
    expect(restored.stdout).toMatch(/the previous data is kept in .*before-restore-/);
    await cluster.mk8s('up', '--nodes', '0');

    expect((await cluster.kubectl('get', 'configmap', 'before-snapshot', '-o', 'name')).stdout.trim()).toBe('configmap/before-snapshot');
    const gone = await cluster.kubectl('get', 'configmap', 'after-snapshot').then(
      () => 'found',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(gone).toMatch(/NotFound|not found/);
    // A write after the restore gets a resourceVersion above any the old cluster handed out.
    expect(Number((await post('after-restore')).metadata.resourceVersion)).toBeGreaterThan(lastRv);
    // A client resuming from an old resourceVersion is told to relist.
    const watch = await fetch(`${cluster.api}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${lastRv}&timeoutSeconds=5`);
    const text = await watch.text();
    expect(watch.status === 410 || /"code":410/.test(text)).toBe(true);
  });

  it('refuses an altered or truncated snapshot file, naming what is wrong', async () => {
    const file = path.join(dir, 'cluster.snap');
    const bytes = await readFile(file);
    const cut = path.join(dir, 'cut.snap');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await cluster.mk8s('down');
    const refused = await cluster.mk8s('snapshot', 'restore', cut).then(
      () => 'restored',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(refused).toMatch(/snapshot .*cut\.snap cannot be restored: .*truncated/);
    // Nothing was changed: the cluster comes back with its data.
    await cluster.mk8s('up', '--nodes', '0');
    expect((await cluster.kubectl('get', 'configmap', 'after-restore', '-o', 'name')).stdout.trim()).toBe('configmap/after-restore');
  });
});

describe('operations: a damaged store', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-damaged-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is refused at start with the folder and the restore command, and never opened as an empty store', async () => {
    const data = path.join(dir, 'data');
    const first = await startApiServerProcess({ dataDir: data });
    expect(
      (await fetch(`${first.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: json, body: JSON.stringify(configMap('precious')) })).status,
    ).toBe(201);
    await first.proc.stop();
    // LevelDB's CURRENT names the live MANIFEST: without it the folder is a half-written database.
    await rm(path.join(data, 'CURRENT'));
    const refused = await startApiServerProcess({ dataDir: data }).then(
      async (s) => {
        await s.proc.stop();
        return 'started';
      },
      (err: unknown) => String(err),
    );
    expect(refused).toContain(data);
    expect(refused).toMatch(/damaged/);
    expect(refused).toContain('mk8s snapshot restore FILE');
  });
});

describe('operations: a full disk', () => {
  let dir = '';
  let mounted = false;
  let api: { proc: ComponentProcess; url: string } | undefined;

  beforeAll(async () => {
    requireRoot('the test mounts a small tmpfs to fill');
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-fulldisk-'));
    await mkdir(path.join(dir, 'fs'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'mk8s-e2e-fulldisk', path.join(dir, 'fs')]);
    mounted = true;
    api = await startApiServerProcess({ dataDir: path.join(dir, 'fs', 'data') });
  });
  afterAll(async () => {
    await api?.proc.stop();
    if (mounted) await run('umount', [path.join(dir, 'fs')]).catch(() => run('umount', ['-l', path.join(dir, 'fs')]));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fails writes with a clear 500 and /readyz while full, and recovers without a restart when space returns', async () => {
    const acknowledged: string[] = [];
    const big = 'x'.repeat(400 * 1024);
    let failure: { status: number; body: { message?: string } } | undefined;
    for (let i = 0; i < 100 && !failure; i++) {
      const res = await fetch(`${api!.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(configMap(`fill-${i}`, { big })),
      });
      if (res.status === 201) acknowledged.push(`fill-${i}`);
      else failure = { status: res.status, body: (await res.json()) as { message?: string } };
    }
    expect(failure?.status).toBe(500);
    expect(failure?.body.message).toMatch(/storage write failed: no space left on device/);
    expect(failure?.body.message).not.toContain(dir);
    const ready = await fetch(`${api!.url}/readyz?verbose`);
    expect(ready.status).toBe(500);
    expect(await ready.text()).toContain('[-]etcd failed');
    // Reads still work while writes are refused.
    expect((await fetch(`${api!.url}/api/v1/namespaces/default/configmaps/${acknowledged[0]}`)).status).toBe(200);

    await run('mount', ['-o', 'remount,size=64m', path.join(dir, 'fs')]);
    await eventually(async () => (await fetch(`${api!.url}/readyz`)).status === 200, {
      timeoutMs: 60_000,
      message: '/readyz back to 200 after space returned',
    });
    const after = await fetch(`${api!.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(configMap('after-recovery')),
    });
    expect(after.status).toBe(201);
    const names = (
      (await (await fetch(`${api!.url}/api/v1/namespaces/default/configmaps`)).json()) as { items: Array<{ metadata: { name: string } }> }
    ).items.map((c) => c.metadata.name);
    for (const name of [...acknowledged, 'after-recovery']) expect(names).toContain(name);
  });
});
