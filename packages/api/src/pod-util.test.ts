import { describe, expect, it } from 'vitest';
import type { Pod } from './schemas/core-pod.js';
import { controllerRef, isPodActive, isPodAvailable, isPodReady, isPodTerminal, podRequests, resourceAmounts } from './pod-util.js';

const ready = (since: string, status = 'True'): Pod => ({
  metadata: { name: 'p' },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status, lastTransitionTime: since }] },
});

describe('pod readiness', () => {
  it('ready and available follow the Ready condition and minReadySeconds', () => {
    const pod = ready('2026-01-01T00:00:00Z');
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    expect(isPodReady(pod)).toBe(true);
    expect(isPodAvailable(pod, 0, t0)).toBe(true);
    expect(isPodAvailable(pod, 10, t0 + 9_000)).toBe(false);
    expect(isPodAvailable(pod, 10, t0 + 10_000)).toBe(true);
    expect(isPodReady(ready('2026-01-01T00:00:00Z', 'False'))).toBe(false);
    expect(isPodAvailable(ready('2026-01-01T00:00:00Z', 'False'), 0, t0)).toBe(false);
  });

  it('terminal and active', () => {
    expect(isPodTerminal({ status: { phase: 'Failed' } })).toBe(true);
    expect(isPodActive({ status: { phase: 'Succeeded' } })).toBe(false);
    expect(isPodActive({ metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } })).toBe(false);
    expect(isPodActive({ status: { phase: 'Pending' } })).toBe(true);
  });

  it('controllerRef picks the controlling owner only', () => {
    const refs = [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: '1' },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: '2', controller: true },
    ];
    expect(controllerRef({ metadata: { ownerReferences: refs } })?.uid).toBe('2');
    expect(controllerRef({ metadata: { ownerReferences: refs.slice(0, 1) } })).toBeUndefined();
  });
});

describe('podRequests', () => {
  it('sums app containers, raises to the largest init container, adds overhead', () => {
    const pod: Pod = {
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
          { name: 'b', resources: { requests: { cpu: '0.5' }, limits: { memory: '1Gi' } } },
        ],
        initContainers: [{ name: 'i', resources: { requests: { cpu: '2' } } }],
        overhead: { cpu: '10m' },
      },
    };
    expect(podRequests(pod)).toEqual({ cpu: 2010, memory: 64 * 2 ** 20 + 2 ** 30 });
  });

  it('a pod without resources requests nothing; bad quantities count as 0', () => {
    expect(podRequests({ spec: { containers: [{ name: 'a' }] } })).toEqual({});
    expect(resourceAmounts({ cpu: 'lots', pods: '3' })).toEqual({ cpu: 0, pods: 3 });
  });

  it('keeps resource names such as constructor and __proto__ as plain keys', () => {
    const pod = JSON.parse(
      '{"spec":{"containers":[{"name":"a","resources":{"requests":{"constructor":"2","__proto__":"3"}}}],' +
        '"initContainers":[{"name":"i","resources":{"requests":{"constructor":"5"}}}]}}',
    ) as Pod;
    const total = podRequests(pod);
    expect(Object.getPrototypeOf(total)).toBe(Object.prototype);
    expect(JSON.stringify(total)).toBe('{"constructor":5,"__proto__":3}');
  });
});
