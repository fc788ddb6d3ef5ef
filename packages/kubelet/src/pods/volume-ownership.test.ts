import { lstat, mkdir, mkdtemp, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@mk8s/api';
import { requireRoot } from '@mk8s/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyVolumeOwnership } from './volume-ownership.js';

// chown to another group needs root (CAP_CHOWN); the kubelet runs as root, and so do these tests.
const needsRoot = () => requireRoot('chown to another group needs CAP_CHOWN');
const FS_GROUP = 4321;

function pod(securityContext?: NonNullable<Pod['spec']>['securityContext']): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', uid: 'u' },
    spec: {
      containers: [],
      ...(securityContext ? { securityContext } : {}),
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'creds', secret: { secretName: 's' } },
        { name: 'host', hostPath: { path: '/ignored' } },
      ],
    },
  };
}

describe('applyVolumeOwnership', () => {
  let dir: string;
  let vols: Map<string, { hostPath: string }>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mk8s-ownership-'));
    vols = new Map([
      ['scratch', { hostPath: join(dir, 'empty-dir', 'scratch') }],
      ['creds', { hostPath: join(dir, 'secret', 'creds') }],
      ['host', { hostPath: join(dir, 'host') }],
    ]);
    for (const v of vols.values()) await mkdir(v.hostPath, { recursive: true, mode: 0o755 });
    await mkdir(join(dir, 'secret', 'creds', 'sub'));
    await writeFile(join(dir, 'secret', 'creds', 'token'), 't', { mode: 0o400 });
    await writeFile(join(dir, 'secret', 'creds', 'sub', 'ca'), 'c', { mode: 0o644 });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes emptyDir world-writable (0777) without an fsGroup, and touches nothing else', async () => {
    await applyVolumeOwnership(pod(), vols);
    expect((await stat(join(dir, 'empty-dir', 'scratch'))).mode & 0o7777).toBe(0o777);
    expect((await stat(join(dir, 'secret', 'creds', 'token'))).mode & 0o7777).toBe(0o400);
    expect((await stat(join(dir, 'host'))).mode & 0o7777).toBe(0o755);
  });

  it('gives the fsGroup emptyDir (setgid) and the secret tree (group-readable), not hostPath', async () => {
    needsRoot();
    await applyVolumeOwnership(pod({ fsGroup: FS_GROUP }), vols);
    const empty = await stat(join(dir, 'empty-dir', 'scratch'));
    expect(empty.gid).toBe(FS_GROUP);
    expect(empty.mode & 0o7777).toBe(0o2777);
    const token = await stat(join(dir, 'secret', 'creds', 'token'));
    expect(token.gid).toBe(FS_GROUP);
    expect(token.mode & 0o7777).toBe(0o440);
    const sub = await stat(join(dir, 'secret', 'creds', 'sub'));
    expect(sub.gid).toBe(FS_GROUP);
    expect(sub.mode & 0o7777).toBe(0o2755);
    expect((await stat(join(dir, 'secret', 'creds', 'sub', 'ca'))).mode & 0o7777).toBe(0o644);
    expect((await stat(join(dir, 'host'))).gid).not.toBe(FS_GROUP);
    // Idempotent.
    await applyVolumeOwnership(pod({ fsGroup: FS_GROUP }), vols);
    expect((await stat(join(dir, 'secret', 'creds', 'token'))).mode & 0o7777).toBe(0o440);
  });

  it('never follows a symlink out of a volume', async () => {
    needsRoot();
    const outside = join(dir, 'outside');
    await writeFile(outside, 'x', { mode: 0o600 });
    await symlink(outside, join(dir, 'secret', 'creds', 'link'));
    await applyVolumeOwnership(pod({ fsGroup: FS_GROUP }), vols);
    const st = await stat(outside);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(st.gid).not.toBe(FS_GROUP);
    expect(await readlink(join(dir, 'secret', 'creds', 'link'))).toBe(outside);
    expect((await lstat(join(dir, 'secret', 'creds', 'link'))).isSymbolicLink()).toBe(true);
  });

  it('OnRootMismatch skips the walk when the top folder already matches', async () => {
    needsRoot();
    await applyVolumeOwnership(pod({ fsGroup: FS_GROUP }), vols);
    await writeFile(join(dir, 'secret', 'creds', 'late'), 'l', { mode: 0o600 });
    await applyVolumeOwnership(pod({ fsGroup: FS_GROUP, fsGroupChangePolicy: 'OnRootMismatch' }), vols);
    expect((await stat(join(dir, 'secret', 'creds', 'late'))).mode & 0o7777).toBe(0o600);
    await applyVolumeOwnership(pod({ fsGroup: FS_GROUP }), vols);
    expect((await stat(join(dir, 'secret', 'creds', 'late'))).mode & 0o7777).toBe(0o640);
  });
});
