import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Node, Service } from '@mk8s/api';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadBalancerUnavailableError } from '../../cloud.js';
import { parseInventory, setInstance } from './inventory.js';
import { LocalCloudProvider } from './local-provider.js';
import { AddressPool, parsePool } from './pool.js';

const node = (name: string): Node => ({ metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } });
const lbService = (name: string, extra: Partial<Service> = {}): Service => ({
  metadata: { namespace: 'default', name },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
  ...extra,
});

describe('address pool', () => {
  it('parses CIDRs (without network and broadcast) and ranges, and rejects nonsense', () => {
    expect(parsePool('127.240.0.0/24')).toEqual({ first: ((127 << 24) >>> 0) + (240 << 16) + 1, last: ((127 << 24) >>> 0) + (240 << 16) + 254 });
    expect(new AddressPool('127.240.0.10-127.240.0.12').size).toBe(3);
    expect(new AddressPool('127.240.0.7/32').size).toBe(1);
    for (const bad of ['127.240.0.0', '127.240.0.0/33', '127.240.0.9-127.240.0.1', '1.2.3/24', '10.0.0.0/8']) expect(() => parsePool(bad)).toThrow();
  });

  it('allocates the lowest free address, keeps an owner on its own, releases, claims', () => {
    const pool = new AddressPool('127.240.0.0/30'); // .1 and .2
    expect(pool.allocate('a')).toBe('127.240.0.1');
    expect(pool.allocate('a')).toBe('127.240.0.1');
    expect(pool.allocate('b')).toBe('127.240.0.2');
    expect(pool.allocate('c')).toBeUndefined();
    expect(pool.release('a')).toBe('127.240.0.1');
    expect(pool.claim('c', '127.240.0.2')).toBe(false);
    expect(pool.claim('c', '10.0.0.1')).toBe(false);
    expect(pool.claim('c', '127.240.0.1')).toBe(true);
    expect(pool.ownerOf('127.240.0.1')).toBe('c');
  });
});

describe('LocalCloudProvider', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads instances from the inventory: removed is gone, stopped is shut down, unlisted is not ours', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-cloud-'));
    const file = path.join(dir, 'cloud', 'instances.json');
    const cloud = new LocalCloudProvider({ inventoryFile: file });
    // No file yet: every node exists and runs.
    expect(await cloud.instanceExists(node('node-1'))).toBe(true);
    await setInstance(file, 'node-1', {
      state: 'running',
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: 'node-1' },
      ],
    });
    await setInstance(file, 'node-2', { state: 'stopped', zone: 'local-b' });
    await setInstance(file, 'node-3', { state: 'removed' });
    expect(await cloud.instanceMetadata(node('node-1'))).toEqual({
      providerID: 'mk8s://node-1',
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: 'node-1' },
      ],
    });
    expect(await cloud.zoneOf(node('node-1'))).toEqual({ zone: 'local-a', region: 'local' });
    expect(await cloud.zoneOf(node('node-2'))).toEqual({ zone: 'local-b', region: 'local' });
    expect([await cloud.instanceShutdown(node('node-2')), await cloud.instanceExists(node('node-2'))]).toEqual([true, true]);
    expect([await cloud.instanceShutdown(node('node-3')), await cloud.instanceExists(node('node-3'))]).toEqual([false, false]);
    expect([await cloud.instanceShutdown(node('hollow-1')), await cloud.instanceExists(node('hollow-1'))]).toEqual([false, true]);
    expect(() => parseInventory('{"instances":{"x":{"state":"gone"}}}')).toThrow(/state/);
  });

  it('allocates, releases, reports exhaustion, honours loadBalancerIP, and restores from Services after a restart', async () => {
    const cloud = new LocalCloudProvider({ loadBalancerPool: '127.240.0.1-127.240.0.2' });
    expect((await cloud.ensureLoadBalancer(lbService('a'))).ingress).toEqual([{ ip: '127.240.0.1', ipMode: 'VIP' }]);
    expect((await cloud.ensureLoadBalancer(lbService('b'))).ingress[0]?.ip).toBe('127.240.0.2');
    const err = await cloud.ensureLoadBalancer(lbService('c')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadBalancerUnavailableError);
    expect((err as LoadBalancerUnavailableError).reason).toBe('LoadBalancerPoolExhausted');
    await cloud.ensureLoadBalancerDeleted(lbService('a'));
    expect(await cloud.getLoadBalancer(lbService('a'))).toBeUndefined();
    expect((await cloud.ensureLoadBalancer(lbService('c'))).ingress[0]?.ip).toBe('127.240.0.1');
    await expect(cloud.ensureLoadBalancer(lbService('d', { spec: { type: 'LoadBalancer', loadBalancerIP: '127.240.0.2' } }))).rejects.toThrow(/in use/);

    // A new provider (a restarted CCM) learns the allocations from the Services' status before handing out any.
    const restarted = new LocalCloudProvider({ loadBalancerPool: '127.240.0.1-127.240.0.2' });
    restarted.restore([
      lbService('b', { status: { loadBalancer: { ingress: [{ ip: '127.240.0.2' }] } } }),
      lbService('c', { status: { loadBalancer: { ingress: [{ ip: '127.240.0.1' }] } } }),
    ]);
    expect((await restarted.ensureLoadBalancer(lbService('b'))).ingress[0]?.ip).toBe('127.240.0.2');
    await expect(restarted.ensureLoadBalancer(lbService('new'))).rejects.toThrow(/no free address/);
  });
});
