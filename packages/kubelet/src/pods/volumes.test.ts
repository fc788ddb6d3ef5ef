import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from '@mk8s/api';
import { ApiError, type Clientset } from '@mk8s/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerConfigError } from './env.js';
import { containerMounts, prepareVolumes } from './volumes.js';

const notFound = () => new ApiError({ kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' });

/** Just the reads volumes make. */
function fakeClient(configMaps: Record<string, Record<string, string>>, secrets: Record<string, Record<string, string>>): Clientset {
  const reader = (store: Record<string, Record<string, string>>) => ({
    inNamespace: () => ({
      get: async (name: string) => {
        if (!store[name]) throw notFound();
        return { metadata: { name }, data: store[name] };
      },
    }),
  });
  return { configMaps: reader(configMaps), secrets: reader(secrets) } as unknown as Clientset;
}

function pod(volumes: unknown[], mounts: unknown[]): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'uid-1' },
    spec: { volumes, containers: [{ name: 'c', image: 'busybox:latest', volumeMounts: mounts }] },
  } as unknown as Pod;
}

describe('pod volumes', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mk8s-volumes-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  /** Subpaths resolve by path (no mounts: these tests run anywhere; mounts.int.test.ts mounts). */
  const ctx = () => ({ podDir: path.join(root, 'pods', 'uid-1'), bindMounts: false });

  it('makes emptyDir and hostPath folders and mounts them', async () => {
    const host = path.join(root, 'host-data');
    const p = pod(
      [
        { name: 'scratch', emptyDir: {} },
        { name: 'data', hostPath: { path: host, type: 'DirectoryOrCreate' } },
      ],
      [
        { name: 'scratch', mountPath: '/scratch' },
        { name: 'data', mountPath: '/data/logs', readOnly: true },
      ],
    );
    const vols = await prepareVolumes(undefined, p, root);
    expect((await stat(vols.get('scratch')!.hostPath)).isDirectory()).toBe(true);
    expect(vols.get('scratch')!.hostPath).toBe(path.join(root, 'pods', 'uid-1', 'volumes', 'empty-dir', 'scratch'));
    expect((await stat(host)).isDirectory()).toBe(true);
    expect(await containerMounts(p.spec!.containers[0]!, vols, ctx())).toEqual([
      { containerPath: '/scratch', hostPath: vols.get('scratch')!.hostPath, readonly: false },
      { containerPath: '/data/logs', hostPath: host, readonly: true },
    ]);
  });

  it('writes configMap and secret keys as read-only files, honouring items', async () => {
    const client = fakeClient({ settings: { 'app.conf': 'debug=true\n', other: 'x' } }, { creds: { password: Buffer.from('s3cret').toString('base64') } });
    const p = pod(
      [
        { name: 'conf', configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'etc/app.conf' }] } },
        { name: 'creds', secret: { secretName: 'creds' } },
      ],
      [
        { name: 'conf', mountPath: '/etc/app' },
        { name: 'creds', mountPath: '/run/creds' },
      ],
    );
    const vols = await prepareVolumes(client, p, root, { memoryBackedSecrets: false });
    expect(await readFile(path.join(vols.get('conf')!.hostPath, 'etc/app.conf'), 'utf8')).toBe('debug=true\n');
    await expect(readFile(path.join(vols.get('conf')!.hostPath, 'other'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(path.join(vols.get('creds')!.hostPath, 'password'), 'utf8')).toBe('s3cret');
    expect((await containerMounts(p.spec!.containers[0]!, vols, ctx())).every((m) => m.readonly)).toBe(true);
  });

  it('fails with CreateContainerConfigError for missing sources, bad paths and unsupported types', async () => {
    const client = fakeClient({}, {});
    await expect(prepareVolumes(client, pod([{ name: 'c', configMap: { name: 'nope' } }], []), root)).rejects.toThrow(ContainerConfigError);
    await expect(prepareVolumes(client, pod([{ name: 'c', configMap: { name: 'nope', optional: true } }], []), root)).resolves.toBeDefined();
    await expect(prepareVolumes(client, pod([{ name: 'h', hostPath: { path: path.join(root, 'missing'), type: 'Directory' } }], []), root)).rejects.toThrow(
      /not an existing directory/,
    );
    await expect(prepareVolumes(client, pod([{ name: 'x', persistentVolumeClaim: { claimName: 'c' } }], []), root)).rejects.toThrow(
      /persistentVolumeClaim is not supported/,
    );
    const p = pod([{ name: 'e', emptyDir: {} }], [{ name: 'other', mountPath: '/x' }]);
    await expect(containerMounts(p.spec!.containers[0]!, new Map(), ctx())).rejects.toThrow(/names no volume/);
    const escape = pod([{ name: 'e', emptyDir: {} }], [{ name: 'e', mountPath: '/x', subPath: '../../etc' }]);
    const vols = await prepareVolumes(undefined, escape, root);
    await expect(containerMounts(escape.spec!.containers[0]!, vols, ctx())).rejects.toThrow(/may not contain '..'/);
  });
});
