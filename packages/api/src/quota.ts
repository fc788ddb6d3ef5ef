/**
 * Quota accounting shared by the API server's ResourceQuota admission and the
 * resource-quota controller (Kubernetes' quota evaluators): what one object
 * adds to a namespace's usage, in the resource names a ResourceQuota's
 * `spec.hard` uses (`pods`, `requests.cpu`, `limits.memory`, `services`,
 * `services.nodeports`, `count/deployments.apps`, ...). Pure: no I/O.
 *
 * ```ts
 * const usage = objectUsage('pods', '', pod);          // { pods: 1, requests.cpu: 500m, ... }
 * const total = addUsage(usage, objectUsage('pods', '', other));
 * const over = exceeded(total, hardOf(quota));         // resource names over the limit
 * ```
 */
import { getOwn, setOwn } from './own.js';
import { Quantity, parseQuantity } from './quantity.js';

export type Usage = Record<string, Quantity>;

type Json = Record<string, unknown>;

/** Core resources whose object count has a legacy name besides `count/<resource>`. */
const LEGACY_COUNTS = new Set(['pods', 'services', 'configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas', 'persistentvolumeclaims']);

/** Compute resources a pod is charged for (`cpu` is the same as `requests.cpu`). */
const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

/** Quota names a container must declare (in requests or limits) when a quota constrains them. */
export const POD_CONSTRAINED = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** `count/pods`, `count/deployments.apps`: the object-count name of a resource. */
export function countName(resource: string, group: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

function rec(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : [];
}

function q(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

// Resource names are user keys (a quota's `spec.hard`, a container's resources): usages are
// read and written as own properties only, so `constructor` or `__proto__` are plain names.
function addInto(u: Usage, name: string, amount: Quantity): void {
  const cur = getOwn(u, name);
  setOwn(u, name, cur ? cur.add(amount) : amount);
}

/** Sum of two usages (new object; inputs unchanged). */
export function addUsage(a: Usage, b: Usage): Usage {
  const out: Usage = Object.fromEntries(Object.entries(a));
  for (const [k, v] of Object.entries(b)) addInto(out, k, v);
  return out;
}

/** A pod in Succeeded or Failed no longer uses quota (Kubernetes' QuotaV1Pod). */
export function podCountsForQuota(pod: Json): boolean {
  const phase = rec(pod['status'])['phase'];
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** Requests (or limits) of a pod: app containers summed, raised to the largest init container, plus overhead. */
function podCompute(pod: Json, which: 'requests' | 'limits'): Usage {
  const spec = rec(pod['spec']);
  const of = (c: Json): Usage => {
    const res = rec(c['resources']);
    const out: Usage = {};
    // A container with a limit but no request requests its limit (API defaulting).
    const sources = which === 'requests' ? [rec(res['limits']), rec(res['requests'])] : [rec(res['limits'])];
    for (const src of sources) {
      for (const [name, value] of Object.entries(src)) {
        const v = q(value);
        if (v) setOwn(out, name, v);
      }
    }
    return out;
  };
  const total: Usage = {};
  for (const c of list(spec['containers'])) for (const [k, v] of Object.entries(of(c))) addInto(total, k, v);
  for (const c of list(spec['initContainers'])) {
    for (const [k, v] of Object.entries(of(c))) {
      const cur = getOwn(total, k);
      if (!cur || v.cmp(cur) > 0) setOwn(total, k, v);
    }
  }
  for (const [k, value] of Object.entries(rec(spec['overhead']))) {
    const v = q(value);
    if (v) addInto(total, k, v);
  }
  return total;
}

/**
 * What one object adds to its namespace's usage, keyed by quota resource
 * names. Objects that no longer count (terminal pods) add nothing.
 */
export function objectUsage(resource: string, group: string, obj: Json): Usage {
  const one = Quantity.fromInt(1);
  const usage: Usage = {};
  if (resource === 'pods' && group === '') {
    if (!podCountsForQuota(obj)) return usage;
    const requests = podCompute(obj, 'requests');
    const limits = podCompute(obj, 'limits');
    for (const name of COMPUTE) {
      const request = getOwn(requests, name);
      if (request) {
        usage[`requests.${name}`] = request;
        usage[name] = request;
      }
      const limit = getOwn(limits, name);
      if (limit) usage[`limits.${name}`] = limit;
    }
  }
  if (resource === 'services' && group === '') {
    const spec = rec(obj['spec']);
    const type = spec['type'] ?? 'ClusterIP';
    const ports = list(spec['ports']);
    if (type === 'NodePort' || type === 'LoadBalancer')
      usage['services.nodeports'] = Quantity.fromInt(type === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] === false ? 0 : ports.length);
    if (type === 'LoadBalancer') usage['services.loadbalancers'] = one;
  }
  if (group === '' && LEGACY_COUNTS.has(resource)) usage[resource] = one;
  usage[countName(resource, group)] = one;
  return usage;
}

/** The quota resource names `objectUsage` can produce for a resource (which quotas an object concerns). */
export function usageNames(resource: string, group: string): Set<string> {
  const names = new Set<string>([countName(resource, group)]);
  if (group === '' && LEGACY_COUNTS.has(resource)) names.add(resource);
  if (resource === 'pods' && group === '') {
    for (const n of COMPUTE) {
      names.add(n);
      names.add(`requests.${n}`);
      names.add(`limits.${n}`);
    }
  }
  if (resource === 'services' && group === '') {
    names.add('services.nodeports');
    names.add('services.loadbalancers');
  }
  return names;
}

/** For a quota resource name like `count/deployments.apps` or `pods`: the (resource, group) it counts, if an object count. */
export function countedResource(name: string): { resource: string; group: string } | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { resource: rest, group: '' } : { resource: rest.slice(0, dot), group: rest.slice(dot + 1) };
  }
  if (LEGACY_COUNTS.has(name)) return { resource: name, group: '' };
  if (name === 'services.nodeports' || name === 'services.loadbalancers') return { resource: 'services', group: '' };
  if (COMPUTE.includes(name) || /^(requests|limits)\./.test(name)) return { resource: 'pods', group: '' };
  return undefined;
}

/** A ResourceQuota's `spec.hard` as quantities (unparsable entries skipped). */
export function hardOf(quota: Json): Usage {
  const out: Usage = {};
  for (const [k, v] of Object.entries(rec(rec(quota['spec'])['hard']))) {
    const p = q(v);
    if (p) setOwn(out, k, p);
  }
  return out;
}

/** Names in `hard` whose usage is over the limit. */
export function exceeded(usage: Usage, hard: Usage): string[] {
  return Object.keys(hard)
    .filter((k) => {
      const used = getOwn(usage, k);
      return used !== undefined && used.cmp(hard[k]!) > 0;
    })
    .sort();
}

/** Usage restricted to `names`, missing ones as 0 (a quota's `status.used`). */
export function usageFor(names: Iterable<string>, usage: Usage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of [...names].sort()) setOwn(out, n, (getOwn(usage, n) ?? Quantity.fromInt(0)).toString());
  return out;
}

/**
 * Kubernetes' backward-compatible rule: when a quota constrains cpu or memory
 * (requests or limits), every container must declare that resource. Returns
 * the missing quota names with the containers lacking them.
 */
export function missingPodConstraints(pod: Json, constrained: Iterable<string>): Map<string, string[]> {
  const wanted = [...constrained].filter((n) => POD_CONSTRAINED.includes(n));
  const missing = new Map<string, string[]>();
  const spec = rec(pod['spec']);
  for (const c of [...list(spec['initContainers']), ...list(spec['containers'])]) {
    const res = rec(c['resources']);
    const requests = rec(res['requests']);
    const limits = rec(res['limits']);
    for (const name of wanted) {
      const base = name.replace(/^(requests|limits)\./, '');
      const ok = name.startsWith('limits.') ? Object.hasOwn(limits, base) : Object.hasOwn(requests, base) || Object.hasOwn(limits, base);
      if (ok) continue;
      const names = missing.get(name) ?? [];
      names.push(String(c['name'] ?? ''));
      missing.set(name, names);
    }
  }
  return missing;
}
