import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cniConflist, containerdConfigToml, networkNamespaces, writeContainerdFiles } from './index.js';

describe('containerd files', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('config.toml keeps everything under the instance folder and names our pause image and CNI folder', () => {
    const toml = containerdConfigToml('/x/ctrd', 'mk8s/pause:latest', '/usr/lib/cni');
    expect(toml).toContain('root = "/x/ctrd/root"');
    expect(toml).toContain('address = "/x/ctrd/containerd.sock"');
    expect(toml).toContain('sandbox_image = "mk8s/pause:latest"');
    expect(toml).toContain('conf_dir = "/x/ctrd/cni"');
    expect(toml).not.toContain('/run/containerd');
  });

  it('the CNI network is one bridge with host-local addresses from the subnet', () => {
    const net = JSON.parse(cniConflist('/x/ctrd', 'mk8s-ctrd1', '10.89.1.0/24')) as {
      plugins: Array<{ type: string; bridge?: string; ipam?: { ranges: unknown } }>;
    };
    expect(net.plugins.map((p) => p.type)).toEqual(['bridge', 'loopback']);
    expect(net.plugins[0]).toMatchObject({ bridge: 'mk8s-ctrd1', ipam: { ranges: [[{ subnet: '10.89.1.0/24' }]] } });
  });

  it('writeContainerdFiles writes both files and refuses a bridge name Linux would reject', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-ctrd-test-'));
    const cniBinDir = dir; // fake plugin folder with the three binaries the network needs
    for (const p of ['bridge', 'host-local', 'loopback']) await writeFile(path.join(cniBinDir, p), '');
    const files = await writeContainerdFiles({ dir, subnet: '10.89.1.0/24', bridge: 'mk8s-ctrd1', cniBinDir });
    expect(files.socket).toBe(path.join(dir, 'containerd.sock'));
    expect(await readFile(files.config, 'utf8')).toContain(`bin_dir = ${JSON.stringify(cniBinDir)}`);
    expect(await readFile(path.join(dir, 'cni', '10-mk8s.conflist'), 'utf8')).toContain('mk8s-ctrd1');
    await expect(writeContainerdFiles({ dir, subnet: '10.89.1.0/24', bridge: 'a-very-long-bridge-name', cniBinDir })).rejects.toThrow(/longer than 15/);
    await expect(writeContainerdFiles({ dir, subnet: '10.89.1.0/24', bridge: 'b', cniBinDir: path.join(dir, 'nope') })).rejects.toThrow(
      /CNI plugins are missing/,
    );
  });

  it('networkNamespaces finds only pinned pod network namespaces', () => {
    const info = JSON.stringify({
      Spec: { linux: { namespaces: [{ type: 'network', path: '/var/run/netns/cni-1' }, { type: 'pid' }, { type: 'network', path: '/proc/1/ns/net' }] } },
    });
    expect(networkNamespaces(info)).toEqual(['/var/run/netns/cni-1']);
    expect(networkNamespaces('not json')).toEqual([]);
  });
});
