import { describe, expect, it } from 'vitest';
import type { Pod } from '@mk8s/api';
import { calcResourceReplicas, groupPods, podRequests, ReplicaCalcError, type PodMetrics } from './replica-calculator.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const LONG_AGO = new Date(NOW - 3_600_000).toISOString();

function pod(
  name: string,
  opts: { cpu?: string; memory?: string; phase?: string; ready?: boolean; readySince?: string; started?: string; deleted?: boolean } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu !== undefined) requests['cpu'] = opts.cpu;
  if (opts.memory !== undefined) requests['memory'] = opts.memory;
  return {
    metadata: { name, namespace: 'default', deletionTimestamp: opts.deleted ? LONG_AGO : undefined },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests } }] },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: opts.started ?? LONG_AGO,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readySince ?? LONG_AGO }],
    },
  } as Pod;
}

function metrics(values: Record<string, number>, timestampMs = NOW - 1000): PodMetrics {
  return new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestampMs, windowMs: 10_000 }]));
}

const utilization = (v: number) => ({ kind: 'Utilization' as const, value: v });
const opts = { nowMs: NOW };

describe('calcResourceReplicas (Kubernetes HPA algorithm)', () => {
  it('desired = ceil(current * currentMetric / target): 1 pod at 200m of 100m requested, target 50% -> 4', () => {
    const r = calcResourceReplicas(1, utilization(50), 'cpu', [pod('a', { cpu: '100m' })], metrics({ a: 200 }), opts);
    expect(r).toMatchObject({ replicas: 4, utilization: 200, rawAverage: 200 });
  });

  it('scales down when usage is low: 4 pods at 10% of target 50% -> 1', () => {
    const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n, { cpu: '100m' }));
    expect(calcResourceReplicas(4, utilization(50), 'cpu', pods, metrics({ a: 10, b: 10, c: 10, d: 10 }), opts).replicas).toBe(1);
  });

  it('does nothing within the 10% tolerance (ratio 1.08 and 0.92), acts outside it (1.2)', () => {
    const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m' })];
    expect(calcResourceReplicas(2, utilization(50), 'cpu', pods, metrics({ a: 54, b: 54 }), opts).replicas).toBe(2);
    expect(calcResourceReplicas(2, utilization(50), 'cpu', pods, metrics({ a: 46, b: 46 }), opts).replicas).toBe(2);
    expect(calcResourceReplicas(2, utilization(50), 'cpu', pods, metrics({ a: 60, b: 60 }), opts).replicas).toBe(3);
    expect(calcResourceReplicas(2, utilization(50), 'cpu', pods, metrics({ a: 60, b: 60 }), { ...opts, tolerance: 0.25 }).replicas).toBe(2);
  });

  it('scale-down with a pod missing metrics assumes it uses 100% of its request', () => {
    const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n, { cpu: '100m' }));
    // Ready pods alone would say ceil(0.2 * 3) = 1; with d at 100%: (30 + 100) / 400 = 32% -> ceil(0.64 * 4) = 3.
    expect(calcResourceReplicas(4, utilization(50), 'cpu', pods, metrics({ a: 10, b: 10, c: 10 }), opts).replicas).toBe(3);
  });

  it('scale-up with a pod missing metrics assumes it uses 0', () => {
    const pods = ['a', 'b', 'c'].map((n) => pod(n, { cpu: '100m' }));
    // (100 + 100 + 0) / 300 = 66% of 50% -> ceil(1.33 * 3) = 4 (not ceil(2 * 2) = 4... with 3 ready it would be 6).
    const r = calcResourceReplicas(3, utilization(50), 'cpu', pods, metrics({ a: 100, b: 100 }), opts);
    expect(r.replicas).toBe(4);
    expect(r.utilization).toBe(100);
  });

  it('ignores the CPU of not-yet-ready and pending pods on scale-up (counted as 0)', () => {
    const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m' }), pod('c', { cpu: '100m', phase: 'Pending' }), pod('d', { cpu: '100m', ready: false })];
    const r = calcResourceReplicas(4, utilization(50), 'cpu', pods, metrics({ a: 100, b: 100, d: 500 }), opts);
    // ready: 200/200 = 100% (ratio 2); with c and d at 0: 200/400 = 50% -> within tolerance: keep 4.
    expect(r.replicas).toBe(4);
  });

  it('a scale-up that the conservative recount turns into a scale-down keeps the count', () => {
    const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m', phase: 'Pending' }), pod('c', { cpu: '100m', phase: 'Pending' })];
    expect(calcResourceReplicas(3, utilization(50), 'cpu', pods, metrics({ a: 80 }), opts).replicas).toBe(3);
  });

  it('treats a recently started pod whose sample predates readiness as unready (cpu only)', () => {
    const started = new Date(NOW - 60_000).toISOString();
    const readySince = new Date(NOW - 5_000).toISOString();
    const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m', started, readySince })];
    const g = groupPods(pods, metrics({ a: 100, b: 900 }), 'cpu', opts);
    expect([...g.unready]).toEqual(['b']);
    expect(groupPods(pods, metrics({ a: 100, b: 900 }), 'memory', opts).readyCount).toBe(2);
  });

  it('ignores deleted and failed pods', () => {
    const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m', deleted: true }), pod('c', { cpu: '100m', phase: 'Failed' })];
    const g = groupPods(pods, metrics({ a: 50, b: 900, c: 900 }), 'cpu', opts);
    expect([...g.ignored].sort()).toEqual(['b', 'c']);
    expect(calcResourceReplicas(1, utilization(50), 'cpu', pods, metrics({ a: 50, b: 900, c: 900 }), opts).replicas).toBe(1);
  });

  it('AverageValue targets compare the average usage (milli-units) with the target', () => {
    const pods = [pod('a'), pod('b')];
    const r = calcResourceReplicas(2, { kind: 'AverageValue', value: 200 }, 'cpu', pods, metrics({ a: 300, b: 300 }), opts);
    expect(r).toMatchObject({ replicas: 3, utilization: 300 });
    const mem = 64 * 1024 * 1024 * 1000;
    expect(calcResourceReplicas(2, { kind: 'AverageValue', value: mem }, 'memory', pods, metrics({ a: 2 * mem, b: 2 * mem }), opts).replicas).toBe(4);
  });

  it('memory utilization uses memory requests', () => {
    const pods = [pod('a', { memory: '100Mi' })];
    const used = 100 * 1024 * 1024 * 1000 * 0.9;
    expect(calcResourceReplicas(1, utilization(30), 'memory', pods, metrics({ a: used }), opts)).toMatchObject({ replicas: 3, utilization: 90 });
  });

  it('fails without metrics, without pods, or without requests', () => {
    expect(() => calcResourceReplicas(1, utilization(50), 'cpu', [pod('a', { cpu: '100m' })], new Map(), opts)).toThrow(ReplicaCalcError);
    expect(() => calcResourceReplicas(1, utilization(50), 'cpu', [], metrics({ a: 1 }), opts)).toThrow(/no pods returned by selector/);
    expect(() => calcResourceReplicas(1, utilization(50), 'cpu', [pod('a')], metrics({ a: 1 }), opts)).toThrow(
      /missing request for cpu in container c of Pod a/,
    );
    expect(() => calcResourceReplicas(1, utilization(50), 'cpu', [pod('a', { cpu: '100m', phase: 'Pending' })], metrics({ a: 1 }), opts)).toThrow(
      /pods might be unready/,
    );
  });

  it('sums container requests in milli-units', () => {
    const p = pod('a', { cpu: '250m', memory: '1Ki' });
    p.spec!.containers.push({ name: 'd', image: 'busybox', resources: { requests: { cpu: '1', memory: '1Ki' } } });
    expect(podRequests([p], 'cpu').get('a')).toBe(1250);
    expect(podRequests([p], 'memory').get('a')).toBe(2048 * 1000);
  });
});
