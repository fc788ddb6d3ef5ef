import { chmod, lstat, mkdir, mkdtemp, readlink, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Container, Pod } from '@mk8s/api';
import { FakeClock, type EventRecorder } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerConfigError } from './env.js';
import { mountsUnder } from '@mk8s/component-base';
import { SubPathError, openSubPath, subPathComponents } from './subpath.js';
import { PodSyncer } from './sync-pod.js';
import { syncAndStatus, testPod } from '../testing/test-helpers.js';
import { containerMounts, prepareVolumes, type PreparedVolume } from './volumes.js';

let root: string;
let vol: string;
let outside: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mk8s-subpath-'));
  vol = path.join(root, 'volume');
  outside = path.join(root, 'outside');
  await mkdir(path.join(vol, 'a', 'b'), { recursive: true });
  await writeFile(path.join(vol, 'a', 'b', 'file'), 'inside\n');
  await mkdir(outside);
  await writeFile(path.join(outside, 'marker'), 'host\n');
});
afterEach(async () => {
  // Nothing may be left mounted under a folder that is deleted recursively.
  expect(await mountsUnder(root)).toEqual([]);
  await rm(root, { recursive: true, force: true });
});

/** The path a descriptor refers to. */
const pathOf = (fd: number): Promise<string> => readlink(`/proc/self/fd/${fd}`);

describe('subPath components', () => {
  it('refuses absolute paths and .. anywhere, drops . and empty parts', () => {
    expect(subPathComponents('a/./b//c/')).toEqual(['a', 'b', 'c']);
    expect(() => subPathComponents('/etc')).toThrow(/relative/);
    expect(() => subPathComponents('..')).toThrow(/'\.\.'/);
    expect(() => subPathComponents('a/../../etc')).toThrow(/'\.\.'/);
    expect(() => subPathComponents('a/..')).toThrow(SubPathError);
  });
});

describe('openSubPath', () => {
  it('opens a nested directory or file of the volume itself', async () => {
    const dir = await openSubPath(vol, 'a/b');
    try {
      expect(await pathOf(dir.fd)).toBe(path.join(await realpath(vol), 'a', 'b'));
      expect((await dir.stat()).ino).toBe((await stat(path.join(vol, 'a', 'b'))).ino);
    } finally {
      await dir.close();
    }
    const file = await openSubPath(vol, 'a/b/file');
    try {
      expect((await file.stat()).ino).toBe((await stat(path.join(vol, 'a', 'b', 'file'))).ino);
    } finally {
      await file.close();
    }
  });

  it('refuses a symlink component anywhere, even one that points inside the volume', async () => {
    await symlink('/', path.join(vol, 'host'));
    await symlink(outside, path.join(vol, 'a', 'out'));
    await symlink(path.join(outside, 'marker'), path.join(vol, 'a', 'b', 'marker'));
    await symlink('b', path.join(vol, 'a', 'inner'));
    for (const sub of ['host', 'host/etc', 'a/out', 'a/out/marker', 'a/b/marker', 'a/inner', 'a/inner/file']) {
      await expect(openSubPath(vol, sub), sub).rejects.toThrow(/is a symbolic link/);
      await expect(openSubPath(vol, sub, { create: true }), sub).rejects.toThrow(SubPathError);
    }
  });

  it('refuses .., absolute paths, a file in the middle and (without create) missing parts', async () => {
    await expect(openSubPath(vol, '../outside')).rejects.toThrow(/'\.\.'/);
    await expect(openSubPath(vol, 'a/../../outside')).rejects.toThrow(/'\.\.'/);
    await expect(openSubPath(vol, outside)).rejects.toThrow(/relative/);
    await expect(openSubPath(vol, 'a/b/file/x')).rejects.toThrow(/not a directory/);
    await expect(openSubPath(vol, 'a/missing')).rejects.toThrow(/does not exist/);
  });

  it('creates missing directories with the volume mode, never through a symlink', async () => {
    await chmod(vol, 0o777);
    const h = await openSubPath(vol, 'new/deeper', { create: true });
    await h.close();
    expect((await stat(path.join(vol, 'new', 'deeper'))).mode & 0o777).toBe(0o777);
    expect((await stat(path.join(vol, 'new'))).mode & 0o777).toBe(0o777);
    await symlink(outside, path.join(vol, 'link'));
    await expect(openSubPath(vol, 'link/created', { create: true })).rejects.toThrow(/is a symbolic link/);
    await expect(lstat(path.join(outside, 'created'))).rejects.toThrow(/ENOENT/);
  });
});

describe('containerMounts without bind mounts (a kubelet that is not root)', () => {
  const container = (subPath: string, name = 'data'): Container => ({ name: 'main', image: 'busybox', volumeMounts: [{ name, mountPath: '/x', subPath }] });

  it('refuses a subPath of a volume containers can write to, and checks read-only ones', async () => {
    const writable = new Map<string, PreparedVolume>([['data', { hostPath: vol, readOnly: false }]]);
    const ctx = { podDir: path.join(root, 'pod'), bindMounts: false };
    const err = await containerMounts(container('a/b'), writable, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as Error).message).toMatch(/subPath "a\/b" of volumeMount "data" in container "main" refused: containers can write to volume "data"/);

    const readOnly = new Map<string, PreparedVolume>([['cfg', { hostPath: vol, readOnly: true }]]);
    expect(await containerMounts(container('a/b/file', 'cfg'), readOnly, ctx)).toEqual([
      { containerPath: '/x', hostPath: path.join(vol, 'a', 'b', 'file'), readonly: true },
    ]);
    await symlink('/', path.join(vol, 'host'));
    await expect(containerMounts(container('host', 'cfg'), readOnly, ctx)).rejects.toThrow(/is a symbolic link/);
  });
});

describe('the exploit pod (CVE-2017-1002101)', () => {
  it('a subPath through a symlink to / is CreateContainerConfigError with a Failed event, and nothing is created', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime({ timer: clock, podCidr: '10.99.3.0/24', writeLogs: false });
    const events: Array<{ type: string; reason: string; message: string }> = [];
    const recorder: EventRecorder = { event: (_o, type, reason, message) => void events.push({ type, reason, message }) };
    const syncer = new PodSyncer({ runtime, rootDir: root, clock, recorder });
    try {
      const pod: Pod = testPod('exploit', {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          { name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', volumeMounts: [{ name: 'data', mountPath: '/host', subPath: 'host' }] },
        ],
      });
      // What the init container of the exploit does: `ln -s / /data/host`.
      const vols = await prepareVolumes(undefined, pod, root);
      await symlink('/', path.join(vols.get('data')!.hostPath, 'host'));
      await syncAndStatus(syncer, runtime, clock, pod);
      const waiting = pod.status!.containerStatuses![0]!.state?.waiting;
      expect(waiting?.reason).toBe('CreateContainerConfigError');
      expect(waiting?.message).toMatch(/subPath "host" of volumeMount "data" in container "main" refused: "host" is a symbolic link/);
      expect(events).toContainEqual({ type: 'Warning', reason: 'Failed', message: `Error: ${waiting?.message}` });
      expect(runtime.callCount('createContainer')).toBe(0);
      expect(await mountsUnder(root)).toEqual([]);
    } finally {
      runtime.close();
    }
  });
});
