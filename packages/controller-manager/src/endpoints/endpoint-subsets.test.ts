import type { Pod, Service } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { computeSubsets, findPort, subsetsEqual } from './endpoint-subsets.js';

function pod(
  name: string,
  ip: string | undefined,
  o: { ready?: boolean; ports?: { name: string; containerPort: number; protocol?: string }[]; deleting?: boolean; phase?: string } = {},
): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, deletionTimestamp: o.deleting ? '2026-01-01T00:00:00Z' : undefined },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: o.ports ?? [] }] },
    status: { phase: o.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  } as Pod;
}

function service(ports: NonNullable<Service['spec']>['ports'], extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports, ...extra } } as Service;
}

describe('findPort', () => {
  it('resolves numbers as they are and names through the container ports with the same protocol', () => {
    const p = pod('a', '10.0.0.1', {
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
      ],
    });
    expect(findPort(p, { port: 80, targetPort: 9090 })).toBe(9090);
    expect(findPort(p, { port: 80 })).toBe(80);
    expect(findPort(p, { port: 80, targetPort: 'http' })).toBe(8080);
    expect(findPort(p, { port: 53, targetPort: 'dns', protocol: 'UDP' })).toBe(53);
    expect(findPort(p, { port: 53, targetPort: 'dns', protocol: 'TCP' })).toBeUndefined();
    expect(findPort(p, { port: 80, targetPort: 'metrics' })).toBeUndefined();
  });
});

describe('computeSubsets', () => {
  const addr = (name: string, ip: string) => ({ ip, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` } });

  it('splits ready and not-ready pods and skips pods without IP, terminal or being deleted', () => {
    const svc = service([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
    const subsets = computeSubsets(svc, [
      pod('b', '10.0.0.2'),
      pod('a', '10.0.0.1'),
      pod('c', '10.0.0.3', { ready: false }),
      pod('noip', undefined),
      pod('done', '10.0.0.4', { phase: 'Succeeded' }),
      pod('going', '10.0.0.5', { deleting: true }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [addr('a', '10.0.0.1'), addr('b', '10.0.0.2')],
        notReadyAddresses: [addr('c', '10.0.0.3')],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('groups pods by the ports they serve: a pod without a named port is left out of that port only', () => {
    const svc = service([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    const both = pod('both', '10.0.0.1', {
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'metrics', containerPort: 9100 },
      ],
    });
    const httpOnly = pod('http', '10.0.0.2', { ports: [{ name: 'http', containerPort: 8081 }] });
    const none = pod('none', '10.0.0.3');
    const subsets = computeSubsets(svc, [both, httpOnly, none]);
    expect(subsets).toHaveLength(2);
    expect(subsets).toContainEqual({ addresses: [addr('http', '10.0.0.2')], ports: [{ name: 'http', port: 8081, protocol: 'TCP' }] });
    expect(subsets).toContainEqual({
      addresses: [addr('both', '10.0.0.1')],
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9100, protocol: 'TCP' },
      ],
    });
  });

  it('publishes not-ready and terminating pods as ready with publishNotReadyAddresses', () => {
    const svc = service([{ port: 80, targetPort: 8080, protocol: 'TCP' }], { publishNotReadyAddresses: true });
    const subsets = computeSubsets(svc, [pod('c', '10.0.0.3', { ready: false }), pod('going', '10.0.0.5', { deleting: true })]);
    expect(subsets).toEqual([{ addresses: [addr('c', '10.0.0.3'), addr('going', '10.0.0.5')], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  it('lists addresses without ports only for headless Services', () => {
    expect(computeSubsets(service([]), [pod('a', '10.0.0.1')])).toEqual([]);
    expect(computeSubsets(service([], { clusterIP: 'None' }), [pod('a', '10.0.0.1')])).toEqual([{ addresses: [addr('a', '10.0.0.1')] }]);
  });

  it('is stable: the same pods in another order give equal subsets', () => {
    const svc = service([{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
    const pods = [pod('a', '10.0.0.1'), pod('b', '10.0.0.2', { ready: false }), pod('c', '10.0.0.3')];
    expect(subsetsEqual(computeSubsets(svc, pods), computeSubsets(svc, [...pods].reverse()))).toBe(true);
    expect(subsetsEqual([], undefined)).toBe(true);
    expect(subsetsEqual(computeSubsets(svc, pods), computeSubsets(svc, pods.slice(1)))).toBe(false);
  });
});
