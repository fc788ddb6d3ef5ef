import { metaTime, type Lease, type Node } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { MESSAGE_NEVER_POSTED, MESSAGE_STOPPED_POSTING, desiredTaints, observeHealth, unknownConditions } from './node-health.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from './taints.js';

const t0 = Date.UTC(2026, 0, 1);

function node(ready: string | undefined, extra: Partial<Node> = {}): Node {
  return {
    metadata: { name: 'n1', creationTimestamp: metaTime(t0 - 60_000) },
    spec: {},
    status: {
      conditions: ready === undefined ? [] : [{ type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: metaTime(t0 - 5_000) }],
    },
    ...extra,
  } as Node;
}
const lease = (renew: string): Lease => ({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime: renew } }) as Lease;

describe('observeHealth', () => {
  it('starts a fresh grace period on first sight, keeps it while nothing changes, renews on a lease renewal', () => {
    const first = observeHealth(undefined, node('True'), lease('2026-01-01T00:00:00.000000Z'), t0);
    expect(first.probeTimestamp).toBe(t0);
    const same = observeHealth(first, node('True'), lease('2026-01-01T00:00:00.000000Z'), t0 + 7_000);
    expect(same.probeTimestamp).toBe(t0);
    const renewed = observeHealth(same, node('True'), lease('2026-01-01T00:00:08.000000Z'), t0 + 8_000);
    expect(renewed.probeTimestamp).toBe(t0 + 8_000);
  });

  it('counts a new Ready heartbeat as life but not the Unknown this controller writes', () => {
    const first = observeHealth(undefined, node('True'), undefined, t0);
    const unknown = node('True');
    unknown.status!.conditions![0]!.status = 'Unknown';
    expect(observeHealth(first, unknown, undefined, t0 + 20_000).probeTimestamp).toBe(t0);
    const beat = node('True');
    beat.status!.conditions![0]!.lastHeartbeatTime = metaTime(t0 + 19_000);
    expect(observeHealth(first, beat, undefined, t0 + 20_000).probeTimestamp).toBe(t0 + 20_000);
  });
});

describe('unknownConditions', () => {
  it('turns the monitored conditions Unknown, adding missing ones, and is idempotent', () => {
    const conds = unknownConditions(node('True'), t0)!;
    const ready = conds.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: MESSAGE_STOPPED_POSTING, lastHeartbeatTime: metaTime(t0 - 5_000) });
    expect(conds.find((c) => c.type === 'MemoryPressure')).toMatchObject({ status: 'Unknown', message: MESSAGE_NEVER_POSTED });
    expect(conds.map((c) => c.type).sort()).toEqual(['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready']);
    expect(unknownConditions({ ...node('True'), status: { conditions: conds } } as Node, t0 + 1_000)).toBeUndefined();
  });
});

describe('desiredTaints', () => {
  it('follows the Ready condition and leaves other taints alone', () => {
    const other = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
    expect(desiredTaints(node('Unknown', { spec: { taints: [other] } }), t0)).toEqual([
      other,
      { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
      { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: metaTime(t0) },
    ]);
    const notReady = desiredTaints(node('False', { spec: { taints: [{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 'x' }] } }), t0);
    expect(notReady.map((t) => t.key)).toEqual([TAINT_NOT_READY, TAINT_NOT_READY]);
    expect(desiredTaints(node('True', { spec: { taints: [other, { key: TAINT_NOT_READY, effect: 'NoExecute' }] } }), t0)).toEqual([other]);
  });

  it('keeps timeAdded of a taint that stays', () => {
    const kept = { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2025-12-31T23:00:00Z' };
    expect(desiredTaints(node('Unknown', { spec: { taints: [kept] } }), t0)).toContainEqual(kept);
  });
});
