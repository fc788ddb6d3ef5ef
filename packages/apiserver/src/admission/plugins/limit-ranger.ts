/**
 * Kubernetes' LimitRanger admission. For each LimitRange in the pod's
 * namespace:
 *
 * - mutating: containers without a limit (request) for a resource get the
 *   range's `default` (`defaultRequest`), and the pod is annotated with what
 *   was set (`kubernetes.io/limit-ranger`);
 * - validating: `min`, `max` and `maxLimitRequestRatio` per Container (each
 *   container) and per Pod (the sums), with Kubernetes' messages, e.g.
 *   `maximum cpu usage per Container is 1, but limit is 2`; 403 Forbidden.
 *
 * Only pod creates are checked (Kubernetes leaves pod updates alone).
 */
import { Quantity, parseQuantity } from '@mk8s/api';
import { errors } from '../../errors.js';
import type { Obj } from '../../registry/strategy.js';
import { isPodCreate, namespaceObjects, objs, rec } from '../lookup.js';
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from '../types.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type List = Record<string, string>;

function list(v: unknown): List {
  const out: List = {};
  for (const [k, val] of Object.entries(rec(v))) if (typeof val === 'string' || typeof val === 'number') out[k] = String(val);
  return out;
}

function quantity(v: string | undefined): Quantity | undefined {
  if (v === undefined) return undefined;
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

/**
 * The effective `default` and `defaultRequest` of a Container item, with
 * Kubernetes' LimitRange defaulting: a missing default limit is the max, a
 * missing default request is the default limit, else the min.
 */
export function limitRangeItemDefaults(item: Obj): { default: List; defaultRequest: List } {
  const def = list(item['default']);
  const defReq = list(item['defaultRequest']);
  if (item['type'] !== 'Container') return { default: def, defaultRequest: defReq };
  for (const [k, v] of Object.entries(list(item['max']))) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
  for (const [k, v] of Object.entries(list(item['min']))) if (!(k in defReq)) defReq[k] = v;
  return { default: def, defaultRequest: defReq };
}

/** Applies `limitRangeItemDefaults` to a LimitRange object in place (its strategy calls this on create and update). */
export function defaultLimitRange(lr: Obj): void {
  const spec = rec(lr['spec']);
  for (const item of objs(spec['limits'])) {
    if (item['type'] !== 'Container') continue;
    const d = limitRangeItemDefaults(item);
    if (Object.keys(d.default).length > 0) item['default'] = d.default;
    if (Object.keys(d.defaultRequest).length > 0) item['defaultRequest'] = d.defaultRequest;
  }
}

function containersOf(pod: Obj): Obj[] {
  const spec = rec(pod['spec']);
  return [...objs(spec['initContainers']), ...objs(spec['containers'])];
}

function resourcesOf(c: Obj): { requests: List; limits: List } {
  const res = rec(c['resources']);
  return { requests: list(res['requests']), limits: list(res['limits']) };
}

/** Sets missing limits and requests of every container; returns the annotation text, or '' when nothing was set. */
export function applyLimitRangeDefaults(pod: Obj, items: Obj[]): string {
  const notes: string[] = [];
  for (const item of items) {
    if (item['type'] !== 'Container') continue;
    const d = limitRangeItemDefaults(item);
    for (const c of containersOf(pod)) {
      const res = (c['resources'] = rec(c['resources']));
      const limits = (res['limits'] = rec(res['limits']));
      const requests = (res['requests'] = rec(res['requests']));
      const setLimits: string[] = [];
      const setRequests: string[] = [];
      for (const [k, v] of Object.entries(d.default)) {
        if (limits[k] === undefined) {
          limits[k] = v;
          setLimits.push(k);
        }
      }
      for (const [k, v] of Object.entries(d.defaultRequest)) {
        if (requests[k] === undefined) {
          // A container that states a limit but no request requests its limit (API defaulting), not the range's default.
          requests[k] = limits[k] !== undefined && !setLimits.includes(k) ? limits[k] : v;
          setRequests.push(k);
        }
      }
      if (Object.keys(limits).length === 0) delete res['limits'];
      if (Object.keys(requests).length === 0) delete res['requests'];
      const name = String(c['name'] ?? '');
      if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for container ${name}`);
      if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for container ${name}`);
    }
  }
  return notes.length > 0 ? `LimitRanger plugin set: ${notes.join('; ')}` : '';
}

/** Kubernetes formats the observed ratio with Go's %f (six decimals). */
function ratioText(r: number): string {
  return r.toFixed(6);
}

function checkOne(kind: string, resource: string, item: Obj, request: Quantity | undefined, limit: Quantity | undefined, errs: string[]): void {
  const min = quantity(list(item['min'])[resource]);
  const max = quantity(list(item['max'])[resource]);
  const ratio = quantity(list(item['maxLimitRequestRatio'])[resource]);
  if (min) {
    if (!request) errs.push(`minimum ${resource} usage per ${kind} is ${min.toString()}.  No request is specified`);
    else if (request.cmp(min) < 0) errs.push(`minimum ${resource} usage per ${kind} is ${min.toString()}, but request is ${request.toString()}`);
    else if (limit && limit.cmp(min) < 0) errs.push(`minimum ${resource} usage per ${kind} is ${min.toString()}, but limit is ${limit.toString()}`);
  }
  if (max) {
    if (!limit) errs.push(`maximum ${resource} usage per ${kind} is ${max.toString()}.  No limit is specified`);
    else if (limit.cmp(max) > 0) errs.push(`maximum ${resource} usage per ${kind} is ${max.toString()}, but limit is ${limit.toString()}`);
    else if (request && request.cmp(max) > 0) errs.push(`maximum ${resource} usage per ${kind} is ${max.toString()}, but request is ${request.toString()}`);
  }
  if (ratio) {
    if (!request || request.isZero())
      errs.push(`${resource} max limit to request ratio per ${kind} is ${ratio.toString()}, but no request is specified or request is 0`);
    else if (!limit || limit.isZero())
      errs.push(`${resource} max limit to request ratio per ${kind} is ${ratio.toString()}, but no limit is specified or limit is 0`);
    else {
      const observed = Number(limit.scaledValue(-3)) / Number(request.scaledValue(-3));
      if (observed * 1000 > Number(ratio.scaledValue(-3))) {
        errs.push(`${resource} max limit to request ratio per ${kind} is ${ratio.toString()}, but provided ratio is ${ratioText(observed)}`);
      }
    }
  }
}

function boundedResources(item: Obj): string[] {
  return [...new Set([...Object.keys(list(item['min'])), ...Object.keys(list(item['max'])), ...Object.keys(list(item['maxLimitRequestRatio']))])].sort();
}

/** The min/max/ratio violations of `pod` against the items, in Kubernetes' wording (empty when it fits). */
export function limitRangeViolations(pod: Obj, items: Obj[]): string[] {
  const errs: string[] = [];
  const containers = containersOf(pod).map(resourcesOf);
  for (const item of items) {
    const type = item['type'];
    for (const resource of boundedResources(item)) {
      if (type === 'Container') {
        for (const c of containers) checkOne('Container', resource, item, quantity(c.requests[resource]), quantity(c.limits[resource]), errs);
      } else if (type === 'Pod') {
        // A pod has a request (limit) only when every container has one.
        let request: Quantity | undefined = Quantity.fromInt(0);
        let limit: Quantity | undefined = Quantity.fromInt(0);
        for (const c of containers) {
          const r = quantity(c.requests[resource]);
          const l = quantity(c.limits[resource]);
          request = request && r ? request.add(r) : undefined;
          limit = limit && l ? limit.add(l) : undefined;
        }
        checkOne('Pod', resource, item, request, limit, errs);
      }
    }
  }
  return errs;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  constructor(private readonly ctx: AdmissionContext) {}

  handles(attrs: AdmissionAttributes): boolean {
    return isPodCreate(attrs) && attrs.namespace !== undefined;
  }

  private async items(namespace: string): Promise<Obj[]> {
    const ranges = await namespaceObjects(this.ctx, 'limitranges', namespace);
    return ranges.flatMap((lr) => objs(rec(lr['spec'])['limits']));
  }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    const items = await this.items(attrs.namespace!);
    if (items.length === 0) return;
    const note = applyLimitRangeDefaults(attrs.object, items);
    if (!note) return;
    const meta = (attrs.object['metadata'] = rec(attrs.object['metadata']));
    meta['annotations'] = { ...rec(meta['annotations']), [LIMIT_RANGER_ANNOTATION]: note };
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    const items = await this.items(attrs.namespace!);
    const errs = limitRangeViolations(attrs.object, items);
    if (errs.length === 0) return;
    throw errors.forbidden({ qualifiedResource: 'pods', group: '', kind: 'Pod', name: attrs.name }, errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
  }
}
