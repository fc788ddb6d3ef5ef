import { describe, expect, it } from 'vitest';
import { applyLimitRangeDefaults, limitRangeItemDefaults, limitRangeViolations } from './limit-ranger.js';

const pod = (containers: unknown[]) => ({ spec: { containers } }) as Record<string, unknown>;

describe('LimitRanger', () => {
  it('derives defaults as Kubernetes LimitRange defaulting does', () => {
    expect(limitRangeItemDefaults({ type: 'Container', max: { cpu: '2' }, min: { memory: '1Mi' } })).toEqual({
      default: { cpu: '2' },
      defaultRequest: { cpu: '2', memory: '1Mi' },
    });
  });

  it('fills only what a container lacks and describes it', () => {
    const p = pod([{ name: 'a', resources: { limits: { cpu: '300m' }, requests: { cpu: '300m' } } }, { name: 'b' }]);
    const note = applyLimitRangeDefaults(p, [{ type: 'Container', default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '100m' } }]);
    const [a, b] = (p['spec'] as { containers: Array<{ resources: unknown }> }).containers;
    expect(a!.resources).toEqual({ limits: { cpu: '300m', memory: '1Gi' }, requests: { cpu: '300m', memory: '1Gi' } });
    expect(b!.resources).toEqual({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m', memory: '1Gi' } });
    expect(note).toBe(
      'LimitRanger plugin set: memory request for container a; memory limit for container a; cpu, memory request for container b; cpu, memory limit for container b',
    );
  });

  it('reports max, min, missing limits and pod totals in Kubernetes wording', () => {
    const p = pod([
      { name: 'a', resources: { requests: { cpu: '600m' }, limits: { cpu: '800m' } } },
      { name: 'b', resources: { requests: { cpu: '600m' } } },
    ]);
    expect(limitRangeViolations(p, [{ type: 'Container', max: { cpu: '700m' } }])).toEqual([
      'maximum cpu usage per Container is 700m, but limit is 800m',
      'maximum cpu usage per Container is 700m.  No limit is specified',
    ]);
    expect(limitRangeViolations(p, [{ type: 'Pod', min: { cpu: '2' } }])).toEqual(['minimum cpu usage per Pod is 2, but request is 1200m']);
    expect(limitRangeViolations(p, [{ type: 'Container', min: { memory: '1Mi' } }])[0]).toBe(
      'minimum memory usage per Container is 1Mi.  No request is specified',
    );
    expect(
      limitRangeViolations(pod([{ name: 'a', resources: { requests: { cpu: '1' }, limits: { cpu: '1' } } }]), [{ type: 'Container', max: { cpu: '1' } }]),
    ).toEqual([]);
  });
});
