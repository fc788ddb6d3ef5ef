import { describe, expect, it } from 'vitest';
import { metaTime } from '@mk8s/api';
import { nodeConditions } from './node-conditions.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const T1 = T0 + 10_000;

describe('nodeConditions', () => {
  it('reports the pressures False and Ready True with Kubernetes reasons, in Kubernetes order', () => {
    const cs = nodeConditions({ ready: true }, T0);
    expect(cs.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    for (const c of cs) {
      expect(c.lastHeartbeatTime).toBe('2026-01-01T00:00:00Z');
      expect(c.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    }
  });

  it('reports Ready False KubeletNotReady with the runtime message', () => {
    const ready = nodeConditions({ ready: false, message: 'container runtime is down' }, T0).find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' });
    const noMessage = nodeConditions({ ready: false }, T0).find((c) => c.type === 'Ready');
    expect(noMessage?.message).toBe('container runtime is not ready');
  });

  it('moves lastTransitionTime only when the status flips; the heartbeat always moves', () => {
    const first = nodeConditions({ ready: true }, T0);
    const same = nodeConditions({ ready: true }, T1, first);
    const ready = same.find((c) => c.type === 'Ready')!;
    expect(ready.lastHeartbeatTime).toBe(metaTime(T1));
    expect(ready.lastTransitionTime).toBe(metaTime(T0));
    const flipped = nodeConditions({ ready: false, message: 'x' }, T1, first);
    expect(flipped.find((c) => c.type === 'Ready')!.lastTransitionTime).toBe(metaTime(T1));
    expect(flipped.find((c) => c.type === 'MemoryPressure')!.lastTransitionTime).toBe(metaTime(T0));
  });

  it('treats a Ready Unknown set by the node controller as a flip', () => {
    const prev = nodeConditions({ ready: true }, T0).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
    const next = nodeConditions({ ready: true }, T1, prev).find((c) => c.type === 'Ready')!;
    expect(next).toMatchObject({ status: 'True', reason: 'KubeletReady', lastTransitionTime: metaTime(T1) });
  });

  it("keeps others' conditions in place and appends missing kubelet ones", () => {
    const other = { type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', lastTransitionTime: 'x', lastHeartbeatTime: 'y' };
    const cs = nodeConditions({ ready: true }, T0, [other]);
    expect(cs[0]).toEqual(other);
    expect(cs.map((c) => c.type)).toEqual(['NetworkUnavailable', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
  });
});
