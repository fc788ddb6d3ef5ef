import { describe, expect, it } from 'vitest';
import { deepEqual } from '@mk8s/api';
import { desiredNodeStatus, nodeStatusEqual } from './desired-status.js';
import { detectNodeConfig } from './node-config.js';

const T0 = Date.UTC(2026, 0, 1);
const config = detectNodeConfig('node-1', {
  capacity: { cpu: '4', memory: '1024Mi', pods: '110' },
  allocatable: { cpu: '3500m' },
  kubeletPort: 10260,
  nodeInfo: { containerRuntimeVersion: 'mk8s-fake://0.1.0', machineID: 'm', bootID: 'b' },
});

describe('desiredNodeStatus', () => {
  it('fills capacity (canonical), allocatable, addresses, daemon endpoint, nodeInfo and conditions', () => {
    const s = desiredNodeStatus(config, { ready: true }, T0);
    expect(s.capacity).toEqual({ cpu: '4', memory: '1Gi', pods: '110' });
    expect(s.allocatable).toEqual({ cpu: '3500m', memory: '1Gi', pods: '110' });
    expect(s.addresses).toEqual(config.addresses);
    expect(s.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10260 } });
    expect(s.nodeInfo).toMatchObject({ containerRuntimeVersion: 'mk8s-fake://0.1.0', machineID: 'm', bootID: 'b', systemUUID: '', kubeProxyVersion: '' });
    expect(s.conditions?.map((c) => c.type)).toEqual(['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
  });

  it('keeps fields and resources others own', () => {
    const s = desiredNodeStatus(config, { ready: true }, T0, { images: [{ names: ['busybox'] }], capacity: { 'example.com/gpu': '1' } });
    expect(s.images).toEqual([{ names: ['busybox'] }]);
    expect(s.capacity?.['example.com/gpu']).toBe('1');
  });
});

describe('nodeStatusEqual', () => {
  it('ignores heartbeats only', () => {
    const a = desiredNodeStatus(config, { ready: true }, T0);
    const later = desiredNodeStatus(config, { ready: true }, T0 + 60_000, a);
    expect(deepEqual(a, later)).toBe(false);
    expect(nodeStatusEqual(a, later)).toBe(true);
    const flipped = desiredNodeStatus(config, { ready: false }, T0 + 60_000, a);
    expect(nodeStatusEqual(a, flipped)).toBe(false);
    const moved = desiredNodeStatus({ ...config, kubeletPort: 1 }, { ready: true }, T0, a);
    expect(nodeStatusEqual(a, moved)).toBe(false);
    expect(nodeStatusEqual(undefined, {})).toBe(true);
  });

  it('compares objects regardless of key order', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ a: undefined }, {})).toBe(true);
    expect(deepEqual([], {})).toBe(false);
  });
});
