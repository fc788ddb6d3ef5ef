import type { Container } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { linuxResources } from './resources.js';

const c = (resources: Container['resources']): Container => ({ name: 'c', image: 'busybox:latest', resources }) as Container;

describe('linuxResources', () => {
  it('maps requests and limits like the kubelet', () => {
    expect(linuxResources(c({ requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } }))).toEqual({
      cpuShares: 256,
      cpuPeriod: 100_000,
      cpuQuota: 50_000,
      memoryLimitInBytes: 134_217_728,
    });
    expect(linuxResources(c({ limits: { cpu: '2' } }))).toEqual({ cpuShares: 2048, cpuPeriod: 100_000, cpuQuota: 200_000 });
  });

  it('keeps shares at least 2 and gives nothing for BestEffort', () => {
    expect(linuxResources(c({ requests: { cpu: '1m' } }))).toEqual({ cpuShares: 2 });
    expect(linuxResources(c(undefined))).toBeUndefined();
  });
});
