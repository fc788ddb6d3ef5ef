import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { KUBELET_VERSION, allocatableOf, containerRuntimeVersion, detectNodeConfig, validateResources } from './node-config.js';

describe('detectNodeConfig', () => {
  it('reads host defaults: CPUs, memory in Ki, 110 pods, loopback InternalIP, GOARCH spelling', () => {
    const c = detectNodeConfig('node-a');
    expect(c.nodeName).toBe('node-a');
    expect(Number(c.capacity.cpu)).toBeGreaterThan(0);
    expect(c.capacity.memory).toBe(`${Math.floor(os.totalmem() / 1024)}Ki`);
    expect(c.capacity.pods).toBe('110');
    expect(c.allocatable).toBeUndefined();
    expect(allocatableOf(c)).toBe(c.capacity);
    expect(c.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'node-a' },
    ]);
    expect(c.kubeletPort).toBe(10250);
    expect(c.nodeInfo.kubeletVersion).toBe(KUBELET_VERSION);
    expect(c.nodeInfo.kernelVersion).toBe(os.release());
    expect(c.nodeInfo.operatingSystem).toBe('linux');
    expect(c.nodeInfo.architecture).toBe(process.arch === 'x64' ? 'amd64' : process.arch);
    expect(c.nodeInfo.osImage).not.toBe('');
  });

  it('merges overrides field by field; allocatable defaults its missing fields from capacity', () => {
    const c = detectNodeConfig('node-b', {
      capacity: { cpu: '2', memory: '4Gi' },
      allocatable: { cpu: '1500m' },
      labels: { zone: 'a' },
      taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }],
      kubeletPort: 10251,
      nodeInfo: { containerRuntimeVersion: 'docker://20.10.24' },
    });
    expect(c.capacity).toEqual({ cpu: '2', memory: '4Gi', pods: '110' });
    expect(c.allocatable).toEqual({ cpu: '1500m', memory: '4Gi', pods: '110' });
    expect(c.labels).toEqual({ zone: 'a' });
    expect(c.taints).toEqual([{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
    expect(c.kubeletPort).toBe(10251);
    expect(c.nodeInfo.containerRuntimeVersion).toBe('docker://20.10.24');
    expect(c.nodeInfo.kubeletVersion).toBe(KUBELET_VERSION);
  });

  it('rejects resources that are not quantities, naming the field', () => {
    expect(() => detectNodeConfig('n', { capacity: { memory: 'lots' } })).toThrow(/capacity\.memory: "lots" is not a quantity/);
    const c = detectNodeConfig('n');
    expect(() => validateResources({ ...c, allocatable: { ...c.capacity, cpu: '1x' } })).toThrow(/allocatable\.cpu/);
  });
});

describe('containerRuntimeVersion', () => {
  it('spells a CRI Version answer as nodeInfo does', () => {
    expect(containerRuntimeVersion({ runtimeName: 'docker', runtimeVersion: '20.10.24' })).toBe('docker://20.10.24');
  });
});

describe('parseTaints (--register-with-taints)', () => {
  it('reads key=value:Effect and key:Effect lists and rejects bad entries', async () => {
    const { parseTaints } = await import('./node-config.js');
    expect(parseTaints('node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule, dedicated:NoExecute')).toEqual([
      { key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' },
      { key: 'dedicated', effect: 'NoExecute' },
    ]);
    expect(parseTaints(undefined)).toEqual([]);
    expect(() => parseTaints('k=v')).toThrow(/want key/);
    expect(() => parseTaints('k=v:Sometimes')).toThrow(/Effect/);
  });
});
