/**
 * The strategies of the built-in resources. Anything not listed uses
 * `defaultStrategy`.
 */
import { defaultLimitRange } from '../admission/plugins/limit-ranger.js';
import { defaultStrategy, type Obj, type Strategy } from './strategy.js';
import { prepareServiceUpdate } from './service-allocator.js';

function record(o: Obj, key: string): Obj {
  const v = o[key];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Obj;
  const fresh: Obj = {};
  o[key] = fresh;
  return fresh;
}

const pods: Strategy = {
  ...defaultStrategy,
  statusSubresource: true,
  // Default tolerations come from the DefaultTolerationSeconds admission plugin (admission/), which runs before this.
  prepareForCreate(obj) {
    const status: Obj = { phase: 'Pending', qosClass: qosClass(obj) };
    obj['status'] = status;
  },
  gracePeriod(obj, requested) {
    const spec = record(obj, 'spec');
    // An unbound pod has no kubelet to confirm termination: it goes at once.
    if (!spec['nodeName']) return 0;
    const status = obj['status'] as Obj | undefined;
    const phase = status?.['phase'];
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    if (requested !== undefined) return Math.max(0, requested);
    const g = spec['terminationGracePeriodSeconds'];
    return typeof g === 'number' && g >= 0 ? g : 30;
  },
};

/** Kubernetes' QoS class: Guaranteed when every container's requests equal limits for cpu and memory, BestEffort when none set any. */
function qosClass(pod: Obj): string {
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

const namespaces: Strategy = {
  ...defaultStrategy,
  statusSubresource: true,
  prepareForCreate(obj) {
    obj['status'] = { phase: 'Active' };
  },
  // Only the `finalize` subresource changes spec.finalizers: a plain update or
  // patch that dropped them would let a Terminating namespace vanish before
  // the namespace controller has emptied it.
  prepareForUpdate(obj, old) {
    const finalizers = (old['spec'] as Obj | undefined)?.['finalizers'];
    const spec = { ...((obj['spec'] as Obj | undefined) ?? {}) };
    if (finalizers === undefined) delete spec['finalizers'];
    else spec['finalizers'] = structuredClone(finalizers);
    if (Object.keys(spec).length > 0 || obj['spec'] !== undefined) obj['spec'] = spec;
  },
};

/** `stringData` is a write-only convenience: merged into `data` (base64), never stored. */
function mergeStringData(obj: Obj): void {
  const stringData = obj['stringData'] as Record<string, string> | undefined;
  if (!stringData) return;
  const data = ((obj['data'] as Record<string, string> | undefined) ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  obj['data'] = data;
  delete obj['stringData'];
}

const secrets: Strategy = {
  ...defaultStrategy,
  prepareForCreate: mergeStringData,
  prepareForUpdate: mergeStringData,
};

const withStatusAndGeneration: Strategy = { ...defaultStrategy, statusSubresource: true, tracksGeneration: true };

export const STRATEGIES: Readonly<Record<string, Strategy>> = {
  pods,
  namespaces,
  secrets,
  nodes: { ...defaultStrategy, statusSubresource: true, keepStatusOnCreate: true },
  services: { ...defaultStrategy, statusSubresource: true, prepareForUpdate: prepareServiceUpdate },
  deployments: withStatusAndGeneration,
  replicasets: withStatusAndGeneration,
  horizontalpodautoscalers: withStatusAndGeneration,
  leases: { ...defaultStrategy, allowCreateOnUpdate: true },
  endpoints: { ...defaultStrategy, allowCreateOnUpdate: true },
  events: { ...defaultStrategy, allowCreateOnUpdate: true },
  resourcequotas: { ...defaultStrategy, statusSubresource: true },
  // Kubernetes' LimitRangeItem defaulting (default limit from max, default request from default or min), stored.
  limitranges: { ...defaultStrategy, prepareForCreate: defaultLimitRange, prepareForUpdate: defaultLimitRange },
};

export function strategyFor(resource: string): Strategy {
  return STRATEGIES[resource] ?? defaultStrategy;
}
