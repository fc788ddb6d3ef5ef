// The kubelet's mounts for real (subPath bind mounts, Secret volumes on tmpfs): needs root and mount(8); without them these tests fail, saying so.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Container, Pod } from '@mk8s/api';
import { SharedInformerFactory, deletedObject, listerWatchersFor, type Clientset } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { eventually, startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PodLifecycle } from './pod-lifecycle.js';
import { ensureTmpfs, mountsUnder, unmountAll } from '@mk8s/component-base';
import { bindHandle, openSubPath, releasePodMounts } from './subpath.js';
import { containerMounts, prepareVolumes, type PreparedVolume } from './volumes.js';

/** Whether this process can bind-mount (root with CAP_SYS_ADMIN). */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mk8s-mount-probe-'));
  try {
    mkdirSync(path.join(dir, 'a'));
    mkdirSync(path.join(dir, 'b'));
    execFileSync('mount', ['--bind', path.join(dir, 'a'), path.join(dir, 'b')], { stdio: 'ignore' });
    execFileSync('umount', [path.join(dir, 'b')], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mountable = canMount();

/** The filesystem type mounted at exactly `dir` (from mountinfo: the field after the ` - ` separator). */
async function fsType(dir: string): Promise<string | undefined> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const line = info.split('\n').find((l) => l.split(' ')[4] === dir);
  return line?.split(' - ')[1]?.split(' ')[0];
}

it('can bind-mount (these tests need root and mount(8), as the kubelet does for subPaths)', () => {
  expect(mountable, 'not root, or mount --bind failed: the subPath bind mount tests cannot run').toBe(true);
});

let root: string;
let vol: string;
let outside: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mk8s-subpath-int-'));
  vol = path.join(root, 'volume');
  outside = path.join(root, 'outside');
  await mkdir(path.join(vol, 'a', 'b'), { recursive: true });
  await writeFile(path.join(vol, 'a', 'b', 'file'), 'inside\n');
  await mkdir(outside);
  await writeFile(path.join(outside, 'marker'), 'host\n');
});
afterEach(async () => {
  // Never delete through a mount: unmount what a failed test left first.
  for (const m of await mountsUnder(root)) await unmountAll(m).catch(() => undefined);
  expect(await mountsUnder(root)).toEqual([]);
  await rm(root, { recursive: true, force: true });
});

describe('subPath bind mounts', () => {
  it('a nested directory: the mount point is the same directory (inode, content, writes)', async () => {
    const target = path.join(root, 'pod', 'volume-subpaths', 'data', 'main', '0');
    const h = await openSubPath(vol, 'a/b');
    try {
      await bindHandle(h, target);
    } finally {
      await h.close();
    }
    expect(await mountsUnder(path.join(root, 'pod'))).toEqual([target]);
    expect((await stat(target)).ino).toBe((await stat(path.join(vol, 'a', 'b'))).ino);
    expect(await readFile(path.join(target, 'file'), 'utf8')).toBe('inside\n');
    await writeFile(path.join(target, 'new'), 'x');
    expect(await readFile(path.join(vol, 'a', 'b', 'new'), 'utf8')).toBe('x');
    // Binding again replaces the mount instead of stacking one more.
    const again = await openSubPath(vol, 'a');
    try {
      await bindHandle(again, target);
    } finally {
      await again.close();
    }
    expect(await mountsUnder(path.join(root, 'pod'))).toEqual([target]);
    expect(await readdir(target)).toEqual(['b']);
    expect(await releasePodMounts(path.join(root, 'pod'))).toBe(true);
    expect(await mountsUnder(root)).toEqual([]);
    await expect(stat(path.join(root, 'pod', 'volume-subpaths'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(path.join(vol, 'a', 'b', 'file'), 'utf8')).toBe('inside\n');
  });

  it('a file subPath is bound onto a file mount point', async () => {
    const target = path.join(root, 'pod', 'volume-subpaths', 'data', 'main', '1');
    const h = await openSubPath(vol, 'a/b/file');
    try {
      await bindHandle(h, target);
    } finally {
      await h.close();
    }
    expect((await stat(target)).ino).toBe((await stat(path.join(vol, 'a', 'b', 'file'))).ino);
    expect(await readFile(target, 'utf8')).toBe('inside\n');
    expect(await releasePodMounts(path.join(root, 'pod'))).toBe(true);
  });

  it('a symlink swapped in after the check cannot redirect the mount: it binds the opened directory', async () => {
    const target = path.join(root, 'pod', 'volume-subpaths', 'data', 'main', '0');
    const h = await openSubPath(vol, 'a/b');
    try {
      // The race a container would try: the checked folder becomes a symlink to the host.
      await rename(path.join(vol, 'a', 'b'), path.join(vol, 'a', 'b.old'));
      await symlink(outside, path.join(vol, 'a', 'b'));
      await bindHandle(h, target);
    } finally {
      await h.close();
    }
    expect(await readdir(target)).toEqual(['file']);
    expect((await stat(target)).ino).toBe((await stat(path.join(vol, 'a', 'b.old'))).ino);
    expect((await stat(target)).ino).not.toBe((await stat(outside)).ino);
    expect(await releasePodMounts(path.join(root, 'pod'))).toBe(true);
  });

  it('containerMounts gives the runtime the mount point, and refuses the exploit without mounting anything', async () => {
    const podDir = path.join(root, 'pod');
    const vols = new Map<string, PreparedVolume>([['data', { hostPath: vol, readOnly: false }]]);
    const c: Container = {
      name: 'main',
      image: 'busybox',
      volumeMounts: [
        { name: 'data', mountPath: '/all' },
        { name: 'data', mountPath: '/b', subPath: 'a/b', readOnly: true },
        { name: 'data', mountPath: '/made', subPath: 'made/here' },
      ],
    };
    expect(await containerMounts(c, vols, { podDir, bindMounts: true })).toEqual([
      { containerPath: '/all', hostPath: vol, readonly: false },
      { containerPath: '/b', hostPath: path.join(podDir, 'volume-subpaths', 'data', 'main', '1'), readonly: true },
      { containerPath: '/made', hostPath: path.join(podDir, 'volume-subpaths', 'data', 'main', '2'), readonly: false },
    ]);
    expect((await stat(path.join(vol, 'made', 'here'))).isDirectory()).toBe(true);
    expect(await readFile(path.join(podDir, 'volume-subpaths', 'data', 'main', '1', 'file'), 'utf8')).toBe('inside\n');

    await symlink('/', path.join(vol, 'host'));
    const exploit: Container = { name: 'evil', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/host', subPath: 'host' }] };
    await expect(containerMounts(exploit, vols, { podDir, bindMounts: true })).rejects.toThrow(
      /subPath "host" of volumeMount "data" in container "evil" refused: "host" is a symbolic link/,
    );
    expect((await mountsUnder(podDir)).sort()).toEqual([
      path.join(podDir, 'volume-subpaths', 'data', 'main', '1'),
      path.join(podDir, 'volume-subpaths', 'data', 'main', '2'),
    ]);
    expect(await releasePodMounts(podDir)).toBe(true);
    expect(await mountsUnder(root)).toEqual([]);
  });
});

describe('Secret volumes on tmpfs', () => {
  it('mounts one tmpfs per Secret volume, once, and rewrites its files on every sync', async () => {
    let data: Record<string, string> = { token: Buffer.from('one').toString('base64') };
    const client = { secrets: { inNamespace: () => ({ get: async () => ({ metadata: { name: 's' }, data }) }) } } as unknown as Clientset;
    const pod = {
      metadata: { name: 'p', namespace: 'default', uid: 'uid-s' },
      spec: { volumes: [{ name: 'creds', secret: { secretName: 's', defaultMode: 0o400 } }], containers: [] },
    } as unknown as Pod;
    const rootDir = path.join(root, 'kubelet');
    const vols = await prepareVolumes(client, pod, rootDir);
    const dir = vols.get('creds')!.hostPath;
    expect(await fsType(dir)).toBe('tmpfs');
    expect(await readFile(path.join(dir, 'token'), 'utf8')).toBe('one');
    expect((await stat(path.join(dir, 'token'))).mode & 0o777).toBe(0o400);
    data = { token: Buffer.from('two').toString('base64') };
    await prepareVolumes(client, pod, rootDir);
    expect(await mountsUnder(dir)).toEqual([dir]);
    expect(await readFile(path.join(dir, 'token'), 'utf8')).toBe('two');
    expect(await releasePodMounts(path.join(rootDir, 'pods', 'uid-s'))).toBe(true);
    expect(await mountsUnder(rootDir)).toEqual([]);
    // Unmounted, the folder is empty: nothing was ever written to the disk beneath.
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('PodLifecycle and pod mount points', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('unmounts and removes a pod’s mount points (subPaths, Secret tmpfs) when it is deleted, and those of gone pods on start', async () => {
    const rootDir = path.join(root, 'kubelet');
    // A leftover of a pod deleted while the kubelet was down.
    const goneDir = path.join(rootDir, 'pods', 'gone-pod-uid');
    const h = await openSubPath(vol, 'a');
    try {
      await bindHandle(h, path.join(goneDir, 'volume-subpaths', 'data', 'main', '0'));
    } finally {
      await h.close();
    }
    // And a gone pod with only a Secret volume's tmpfs left (no subPath folder).
    const goneSecret = path.join(rootDir, 'pods', 'gone-secret-uid', 'volumes', 'secret', 'creds');
    await mkdir(goneSecret, { recursive: true });
    await ensureTmpfs(goneSecret, 0o755);
    const runtime = new FakeRuntime({ podCidr: '10.97.9.0/24', writeLogs: false });
    const ac = new AbortController();
    const lifecycle = new PodLifecycle({ client: cluster.client, runtime, nodeName: 'subpath-node', rootDir, relistPeriodMs: 50, resyncPeriodMs: 200 });
    const factory = new SharedInformerFactory(listerWatchersFor(cluster.client));
    const informer = factory.informerFor<Pod>('pods', { fieldSelector: 'spec.nodeName=subpath-node' });
    informer.addEventHandler({
      onAdd: (p) => lifecycle.handlePodAdd(p),
      onUpdate: (_o, p) => lifecycle.handlePodUpdate(p),
      onDelete: (p) => lifecycle.handlePodDelete(deletedObject(p)),
    });
    factory.start(ac.signal);
    const running = lifecycle.run(ac.signal);
    try {
      await eventually(
        async () =>
          (await mountsUnder(goneDir)).length === 0 &&
          (await stat(goneDir).then(
            () => false,
            () => true,
          )),
        { message: 'the gone pod’s folder removed', timeoutMs: 15_000, intervalMs: 20 },
      );
      expect(await readFile(path.join(vol, 'a', 'b', 'file'), 'utf8')).toBe('inside\n');
      await eventually(async () => (await mountsUnder(path.join(rootDir, 'pods'))).length === 0, {
        message: 'the gone pod’s tmpfs released',
        timeoutMs: 15_000,
        intervalMs: 20,
      });

      const pods = cluster.client.pods.inNamespace('default');
      await cluster.client.secrets.inNamespace('default').create({ metadata: { name: 'creds' }, data: { password: Buffer.from('s3cret').toString('base64') } });
      await pods.create({
        metadata: { name: 'subpath' },
        spec: {
          nodeName: 'subpath-node',
          terminationGracePeriodSeconds: 0,
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'creds', secret: { secretName: 'creds' } },
          ],
          containers: [
            {
              name: 'main',
              image: 'busybox:latest',
              imagePullPolicy: 'IfNotPresent',
              volumeMounts: [
                { name: 'data', mountPath: '/logs', subPath: 'logs' },
                { name: 'creds', mountPath: '/creds' },
              ],
            },
          ],
        },
      });
      const pod = await eventually(
        async () => {
          const p = await pods.get('subpath');
          return p.status?.phase === 'Running' && p;
        },
        { message: 'Running', timeoutMs: 15_000, intervalMs: 20 },
      );
      const podDir = path.join(rootDir, 'pods', pod.metadata!.uid!);
      const ctr = (await runtime.listContainers({})).containers[0]!;
      const target = path.join(podDir, 'volume-subpaths', 'data', 'main', '0');
      const secretDir = path.join(podDir, 'volumes', 'secret', 'creds');
      expect(runtime.containerConfig(ctr.id)?.mounts).toEqual([
        { containerPath: '/logs', hostPath: target, readonly: false },
        { containerPath: '/creds', hostPath: secretDir, readonly: true },
      ]);
      expect((await mountsUnder(podDir)).sort()).toEqual([secretDir, target].sort());
      // The Secret's data lives on a tmpfs (memory), never on the node's disk.
      expect(await fsType(secretDir)).toBe('tmpfs');
      expect(await readFile(path.join(secretDir, 'password'), 'utf8')).toBe('s3cret');

      await pods.delete('subpath', { gracePeriodSeconds: 0 });
      await eventually(
        async () =>
          stat(podDir).then(
            () => false,
            () => true,
          ),
        { message: 'the pod folder removed', timeoutMs: 15_000, intervalMs: 20 },
      );
      expect(await mountsUnder(rootDir)).toEqual([]);
    } finally {
      ac.abort();
      await running;
      await lifecycle.idle();
      runtime.close();
    }
  });
});
