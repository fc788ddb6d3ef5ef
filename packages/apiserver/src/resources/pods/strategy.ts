/**
 * What is special about storing a Pod (Kubernetes' pod strategy): a new
 * pod starts Pending with its QoS class, and deletion is graceful while a
 * kubelet runs it.
 */
import { DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from '@mk8s/api';
import type { Obj, Strategy } from '../../registry/strategy.js';

export const podStrategy: Partial<Strategy> = {
  statusSubresource: true,
  // Default tolerations come from the DefaultTolerationSeconds admission plugin (admission/), which runs before this.
  prepareForCreate(obj) {
    obj['status'] = { phase: 'Pending', qosClass: qosClass(obj) };
  },
  gracePeriod(obj, requested) {
    const spec = (obj['spec'] ?? {}) as Obj;
    // An unbound pod has no kubelet to confirm termination: it goes at once.
    if (!spec['nodeName']) return 0;
    const phase = (obj['status'] as Obj | undefined)?.['phase'];
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    if (requested !== undefined) return Math.max(0, requested);
    const g = spec['terminationGracePeriodSeconds'];
    return typeof g === 'number' && g >= 0 ? g : DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  },
};

/** Kubernetes' QoS class: Guaranteed when every container's requests equal limits for cpu and memory, BestEffort when none set any. */
export function qosClass(pod: Obj): string {
  const spec = (pod['spec'] ?? {}) as Obj;
  const containers = [...((spec['initContainers'] as Obj[] | undefined) ?? []), ...((spec['containers'] as Obj[] | undefined) ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = (c['resources'] ?? {}) as Obj;
    const req = (res['requests'] ?? {}) as Record<string, unknown>;
    const lim = (res['limits'] ?? {}) as Record<string, unknown>;
    for (const name of ['cpu', 'memory']) {
      if (req[name] !== undefined || lim[name] !== undefined) any = true;
      if (lim[name] === undefined || String(req[name] ?? lim[name]) !== String(lim[name])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
