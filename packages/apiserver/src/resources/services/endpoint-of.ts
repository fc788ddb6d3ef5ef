/**
 * Where a request for a Service goes: one ready address of its Endpoints
 * for the Service port asked for, picked at random (Kubernetes' service
 * ResourceLocation, behind `services/proxy`, and its endpoint routing of
 * aggregated APIs). An ExternalName Service resolves to its external name.
 */
import { resourceFor } from '@mk8s/api';
import { errors } from '../../errors.js';
import type { Registry } from '../../registry/registry.js';
import type { Obj } from '../definition.js';

export interface ServiceEndpoint {
  host: string;
  port: number;
}

const SERVICES = resourceFor('', 'v1', 'services')!;
const ENDPOINTS = resourceFor('', 'v1', 'endpoints')!;

/** The Service's ports that carry a number. */
export function servicePorts(svc: Obj): Obj[] {
  return ((((svc['spec'] ?? {}) as Obj)['ports'] as Obj[] | undefined) ?? []).filter((p) => typeof p['port'] === 'number');
}

/** The ready addresses of `svc`'s Endpoints for the Service port named `portName` ("" for an unnamed one). */
export async function readyAddresses(registry: Registry, namespace: string, name: string, portName: string): Promise<ServiceEndpoint[]> {
  let endpoints: Obj | undefined;
  try {
    endpoints = await registry.get(ENDPOINTS, namespace, name);
  } catch {
    endpoints = undefined;
  }
  const out: ServiceEndpoint[] = [];
  for (const subset of (endpoints?.['subsets'] as Obj[] | undefined) ?? []) {
    const p = ((subset['ports'] as Obj[] | undefined) ?? []).find((x) => String(x['name'] ?? '') === portName);
    if (!p || typeof p['port'] !== 'number') continue;
    for (const a of (subset['addresses'] as Obj[] | undefined) ?? []) if (typeof a['ip'] === 'string') out.push({ host: a['ip'], port: p['port'] });
  }
  return out;
}

/** The Service object, or undefined when it does not exist. */
export async function serviceOf(registry: Registry, namespace: string, name: string): Promise<Obj | undefined> {
  try {
    return await registry.get(SERVICES, namespace, name);
  } catch {
    return undefined;
  }
}

/** One ready address of `svc` for `svcPort`, at random; a 503 naming the Service when none is ready. */
export async function pickEndpoint(registry: Registry, namespace: string, svc: Obj, svcPort: Obj): Promise<ServiceEndpoint> {
  const name = String(((svc['metadata'] ?? {}) as Obj)['name'] ?? '');
  const candidates = await readyAddresses(registry, namespace, name, String(svcPort['name'] ?? ''));
  if (candidates.length === 0) throw errors.unavailable(`no endpoints available for service "${name}"`);
  return candidates[Math.floor(Math.random() * candidates.length)]!;
}
