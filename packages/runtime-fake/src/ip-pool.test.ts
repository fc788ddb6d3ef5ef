import { ResourceExhaustedError } from '@mk8s/cri';
import { describe, expect, it } from 'vitest';
import { IpPool } from './ip-pool.js';

describe('IpPool', () => {
  it('hands out host addresses of the CIDR, skipping network, gateway and broadcast', () => {
    const pool = new IpPool('10.244.3.0/30');
    expect(pool.allocate()).toBe('10.244.3.2');
    expect(() => pool.allocate()).toThrow(ResourceExhaustedError);
    expect(pool.inUse).toBe(1);
  });

  it('aligns a CIDR given with host bits and counts through octets', () => {
    const pool = new IpPool('10.244.1.77/23');
    const ips = Array.from({ length: 300 }, () => pool.allocate());
    expect(ips[0]).toBe('10.244.0.2');
    expect(ips[254]).toBe('10.244.1.0');
    expect(new Set(ips).size).toBe(300);
    expect(ips.every((ip) => ip.startsWith('10.244.0.') || ip.startsWith('10.244.1.'))).toBe(true);
  });

  it('reuses a released address only after the others (next fit)', () => {
    const pool = new IpPool('10.244.9.0/29'); // hosts .2 to .6
    const [a, b] = [pool.allocate(), pool.allocate()];
    pool.release(a);
    expect([pool.allocate(), pool.allocate(), pool.allocate()]).toEqual(['10.244.9.4', '10.244.9.5', '10.244.9.6']);
    expect(pool.allocate()).toBe(a);
    expect(b).toBe('10.244.9.3');
  });

  it('rejects CIDRs it cannot use', () => {
    for (const bad of ['10.244.0.0', '10.244.0.0/31', '300.1.1.1/16', 'fd00::/64', '10.0.0.0/4']) {
      expect(() => new IpPool(bad)).toThrow(/invalid pod CIDR/);
    }
  });
});
