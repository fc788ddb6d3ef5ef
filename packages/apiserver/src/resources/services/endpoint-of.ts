/**
 * Where a request for a Service goes: one ready address of its Endpoints
 * for the Service port asked for, picked at random (Kubernetes' service
 * ResourceLocation, behind `services/proxy`, and its endpoint routing of
 * aggregated APIs). Read from the watch cache, as Kubernetes' resolvers
 * read their listers: no store read per proxied request.
 */
import type { WatchCache } from '../../cache/watch-cache.js';
import { errors } from '../../errors.js';
import { objectKey } from '../../registry/keys.js';
import type { Obj } from '../definition.js';

export interface ServiceEndpoint {
  host: string;
  port: number;
}

/** The Service's ports that carry a number. */
export function servicePorts(svc: Obj): Obj[] {
  return ((((svc['spec'] ?? {}) as Obj)['ports'] as Obj[] | undefined) ?? []).filter((p) => typeof p['port'] === 'number');
}

/** The ready addresses of `svc`'s Endpoints for the Service port named `portName` ("" for an unnamed one). */
export function readyAddresses(cache: WatchCache, namespace: string, name: string, portName: string): ServiceEndpoint[] {
  const endpoints = cache.get('endpoints', objectKey('endpoints', namespace, name));
  const out: ServiceEndpoint[] = [];
  for (const subset of (endpoints?.['subsets'] as Obj[] | undefined) ?? []) {
    const p = ((subset['ports'] as Obj[] | undefined) ?? []).find((x) => String(x['name'] ?? '') === portName);
    if (!p || typeof p['port'] !== 'number') continue;
    for (const a of (subset['addresses'] as Obj[] | undefined) ?? []) if (typeof a['ip'] === 'string') out.push({ host: a['ip'], port: p['port'] });
  }
  return out;
}

/** The Service object, or undefined when it does not exist. */
export function serviceOf(cache: WatchCache, namespace: string, name: string): Obj | undefined {
  return cache.get('services', objectKey('services', namespace, name));
}

/** One ready address of `svc` for `svcPort`, at random; a 503 naming the Service when none is ready. */
export function pickEndpoint(cache: WatchCache, namespace: string, svc: Obj, svcPort: Obj): ServiceEndpoint {
  const name = String(((svc['metadata'] ?? {}) as Obj)['name'] ?? '');
  const candidates = readyAddresses(cache, namespace, name, String(svcPort['name'] ?? ''));
  if (candidates.length === 0) throw errors.unavailable(`no endpoints available for service "${name}"`);
  return candidates[Math.floor(Math.random() * candidates.length)]!;
}
