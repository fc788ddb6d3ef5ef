/**
 * What a Service's Endpoints should say (Kubernetes' endpoints controller
 * `syncService` + `RepackSubsets`), as a pure function of the Service and
 * the pods its selector matches:
 *
 * - a pod counts only with an IP, not terminal, and not being deleted
 *   (terminating pods count only with `publishNotReadyAddresses`);
 * - ready pods (or all, with `publishNotReadyAddresses`) go to `addresses`,
 *   the others to `notReadyAddresses`;
 * - each service port resolves against the pod: a named `targetPort` is
 *   looked up among the pod's container ports (same protocol); a pod without
 *   it is left out for that port only;
 * - addresses with the same set of ports share one subset. The output is
 *   sorted (subsets, addresses, ports) so equal inputs give equal Endpoints
 *   and a converged object is never rewritten.
 */
import {
  deepEqual,
  isPodReady,
  isPodTerminal,
  type EndpointAddress,
  type EndpointPort,
  type EndpointSubset,
  type Pod,
  type Service,
  type ServicePort,
} from '@mk8s/api';

/**
 * The container port a service port reaches on `pod`, or undefined when a
 * named target port is not declared by any of the pod's containers
 * (Kubernetes' `podutil.FindPort`). A missing targetPort means `port`.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const cp of c.ports ?? []) {
      if (cp.name === target && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
    }
  }
  return undefined;
}

/** Whether the pod belongs in the Service's Endpoints at all (Kubernetes' `ShouldPodBeInEndpoints`). */
export function podBelongsInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP) return false;
  if (pod.metadata?.deletionTimestamp && !includeTerminating) return false;
  return true;
}

function addressOf(pod: Pod, service: Service): EndpointAddress {
  const md = pod.metadata ?? {};
  const hostname = pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name ? pod.spec.hostname : undefined;
  return {
    ip: pod.status!.podIP!,
    hostname,
    nodeName: pod.spec?.nodeName || undefined,
    targetRef: { kind: 'Pod', namespace: md.namespace || undefined, name: md.name ?? '', uid: md.uid || undefined },
  };
}

function endpointPort(sp: ServicePort, port: number): EndpointPort {
  return { name: sp.name || undefined, port, protocol: sp.protocol ?? 'TCP', appProtocol: sp.appProtocol || undefined };
}

const portKey = (p: EndpointPort): string => `${p.name ?? ''}\u0000${p.port}\u0000${p.protocol ?? ''}\u0000${p.appProtocol ?? ''}`;
const compareAddresses = (a: EndpointAddress, b: EndpointAddress): number =>
  a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');

/** The Endpoints subsets for `service` given candidate `pods` (already selected by its selector). */
export function computeSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const spec = service.spec ?? {};
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const servicePorts = spec.ports ?? [];
  // Without ports only a headless Service lists addresses (for DNS); others have nothing to route to.
  if (servicePorts.length === 0 && spec.clusterIP !== 'None') return [];
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!podBelongsInEndpoints(pod, publishNotReady)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port !== undefined) ports.push(endpointPort(sp, port));
    }
    if (servicePorts.length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => portKey(a).localeCompare(portKey(b)));
    const key = ports.map(portKey).join('\u0001');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    (publishNotReady || isPodReady(pod) ? g.ready : g.notReady).push(addressOf(pod, service));
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      addresses: g.ready.length ? g.ready.sort(compareAddresses) : undefined,
      notReadyAddresses: g.notReady.length ? g.notReady.sort(compareAddresses) : undefined,
      ports: g.ports.length ? g.ports : undefined,
    }));
}

/** Deep equality of two subset lists as the API stores them (absent and empty lists are the same). */
export function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[] | undefined): boolean {
  return deepEqual(normalize(a), normalize(b));
}

function normalize(subsets: readonly EndpointSubset[] | undefined): unknown {
  return (subsets ?? []).map((s) => ({
    addresses: (s.addresses ?? []).map((x) => [
      x.ip,
      x.hostname ?? '',
      x.nodeName ?? '',
      x.targetRef?.kind ?? '',
      x.targetRef?.namespace ?? '',
      x.targetRef?.name ?? '',
      x.targetRef?.uid ?? '',
    ]),
    notReadyAddresses: (s.notReadyAddresses ?? []).map((x) => [
      x.ip,
      x.hostname ?? '',
      x.nodeName ?? '',
      x.targetRef?.kind ?? '',
      x.targetRef?.namespace ?? '',
      x.targetRef?.name ?? '',
      x.targetRef?.uid ?? '',
    ]),
    ports: (s.ports ?? []).map(portKey),
  }));
}
