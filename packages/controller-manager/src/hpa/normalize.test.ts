import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscalerBehavior } from '@mk8s/api';
import { newMemory, normalizeReplicas, recordScaleEvent, scaleDownLimit, scaleUpLimit } from './normalize.js';

const T0 = 1_000_000_000;
const base = { minReplicas: 1, maxReplicas: 10, nowMs: T0 };
/** What the API server's defaulting gives an HPA with a behavior. */
const defaults = (over: HorizontalPodAutoscalerBehavior = {}): HorizontalPodAutoscalerBehavior => ({
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    ...over.scaleUp,
  },
  scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], ...over.scaleDown },
});

describe('normalizeReplicas without behavior', () => {
  it('keeps the highest recommendation of the last 5 minutes on scale-down (ScaleDownStabilized)', () => {
    const m = newMemory();
    expect(normalizeReplicas({ ...base, currentReplicas: 5, proposed: 5 }, m).replicas).toBe(5);
    const r = normalizeReplicas({ ...base, currentReplicas: 5, proposed: 2, nowMs: T0 + 60_000 }, m);
    expect(r.replicas).toBe(5);
    expect(r.conditions[0]).toMatchObject({ type: 'AbleToScale', reason: 'ScaleDownStabilized' });
    expect(normalizeReplicas({ ...base, currentReplicas: 5, proposed: 2, nowMs: T0 + 301_000 }, m).replicas).toBe(2);
  });

  it('limits a scale-up to max(2 * current, 4) and to maxReplicas, and raises to minReplicas', () => {
    const up = normalizeReplicas({ ...base, currentReplicas: 1, proposed: 9 }, newMemory());
    expect(up.replicas).toBe(4);
    expect(up.conditions[1]).toMatchObject({ type: 'ScalingLimited', status: 'True', reason: 'ScaleUpLimit' });
    const max = normalizeReplicas({ ...base, maxReplicas: 5, currentReplicas: 4, proposed: 9 }, newMemory());
    expect(max).toMatchObject({ replicas: 5 });
    expect(max.conditions[1]).toMatchObject({ reason: 'TooManyReplicas' });
    const min = normalizeReplicas({ ...base, minReplicas: 2, currentReplicas: 2, proposed: 1, downscaleStabilizationMs: 0 }, newMemory());
    expect(min.replicas).toBe(2);
    expect(min.conditions[1]).toMatchObject({ reason: 'TooFewReplicas' });
    expect(normalizeReplicas({ ...base, currentReplicas: 3, proposed: 3 }, newMemory()).conditions).toEqual([
      { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
      { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
    ]);
  });
});

describe('normalizeReplicas with behavior', () => {
  it('default scale-up policies: at most +4 pods or +100% per 15 s, whichever is more', () => {
    expect(normalizeReplicas({ ...base, maxReplicas: 100, currentReplicas: 1, proposed: 50, behavior: defaults() }, newMemory()).replicas).toBe(5);
    expect(normalizeReplicas({ ...base, maxReplicas: 100, currentReplicas: 10, proposed: 50, behavior: defaults() }, newMemory()).replicas).toBe(20);
  });

  it('counts the changes already made within the period', () => {
    const m = newMemory();
    recordScaleEvent(m, 1, 5, T0 - 5_000);
    // Period start was 1: +4 pods = 5, +100% = 2 -> no more room.
    expect(scaleUpLimit(5, m.scaleUpEvents, defaults().scaleUp!, T0)).toBe(5);
    expect(scaleUpLimit(5, m.scaleUpEvents, defaults().scaleUp!, T0 + 11_000)).toBe(10);
  });

  it('scale-down Percent policy and periods: 50% per minute', () => {
    const b = defaults({ scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } });
    const m = newMemory();
    const r = normalizeReplicas({ ...base, currentReplicas: 10, proposed: 1, behavior: b }, m);
    expect(r.replicas).toBe(5);
    expect(r.conditions[1]).toMatchObject({ reason: 'ScaleDownLimit' });
    recordScaleEvent(m, 10, 5, T0);
    expect(normalizeReplicas({ ...base, currentReplicas: 5, proposed: 1, behavior: b, nowMs: T0 + 30_000 }, m).replicas).toBe(5);
    expect(normalizeReplicas({ ...base, currentReplicas: 5, proposed: 1, behavior: b, nowMs: T0 + 61_000 }, m).replicas).toBe(2);
  });

  it('selectPolicy Min picks the most restrictive policy, Disabled forbids the direction', () => {
    const min = {
      selectPolicy: 'Min',
      policies: [
        { type: 'Pods', value: 1, periodSeconds: 60 },
        { type: 'Percent', value: 100, periodSeconds: 60 },
      ],
    };
    expect(scaleUpLimit(4, [], min, T0)).toBe(5);
    expect(scaleDownLimit(4, [], { ...min, selectPolicy: 'Min' }, T0)).toBe(3);
    expect(scaleDownLimit(4, [], { ...min, selectPolicy: 'Max' }, T0)).toBe(0);
    const disabled = defaults({ scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } });
    expect(normalizeReplicas({ ...base, currentReplicas: 4, proposed: 1, behavior: disabled }, newMemory()).replicas).toBe(4);
  });

  it('stabilization windows: scale-down takes the highest recent recommendation, scale-up the lowest', () => {
    const b = defaults({ scaleDown: { stabilizationWindowSeconds: 10 }, scaleUp: { stabilizationWindowSeconds: 20 } });
    const m = newMemory();
    normalizeReplicas({ ...base, currentReplicas: 4, proposed: 4, behavior: b }, m);
    const down = normalizeReplicas({ ...base, currentReplicas: 4, proposed: 1, behavior: b, nowMs: T0 + 5_000 }, m);
    expect(down.replicas).toBe(4);
    expect(down.conditions[0]).toMatchObject({ reason: 'ScaleDownStabilized' });
    expect(normalizeReplicas({ ...base, currentReplicas: 4, proposed: 1, behavior: b, nowMs: T0 + 11_000 }, m).replicas).toBe(1);
    const m2 = newMemory();
    normalizeReplicas({ ...base, currentReplicas: 2, proposed: 2, behavior: b }, m2);
    const up = normalizeReplicas({ ...base, currentReplicas: 2, proposed: 6, behavior: b, nowMs: T0 + 5_000 }, m2);
    expect(up.replicas).toBe(2);
    expect(up.conditions[0]).toMatchObject({ reason: 'ScaleUpStabilized' });
    expect(normalizeReplicas({ ...base, currentReplicas: 2, proposed: 6, behavior: b, nowMs: T0 + 21_000 }, m2).replicas).toBe(6);
  });

  it('the scale-down window defaults to 300 s when the behavior leaves it unset', () => {
    const m = newMemory();
    normalizeReplicas({ ...base, currentReplicas: 4, proposed: 4, behavior: defaults() }, m);
    expect(normalizeReplicas({ ...base, currentReplicas: 4, proposed: 1, behavior: defaults(), nowMs: T0 + 200_000 }, m).replicas).toBe(4);
    expect(normalizeReplicas({ ...base, currentReplicas: 4, proposed: 1, behavior: defaults(), nowMs: T0 + 301_000 }, m).replicas).toBe(1);
  });
});
