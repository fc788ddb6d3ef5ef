/**
 * The desired forwarding state, computed from the informer caches (never from
 * event payloads): one `ServicePortState` per port of every Service that has
 * a ClusterIP or NodePort, with the ready endpoints of that port. Both
 * proxiers apply this state; computing it is pure and deterministic (sorted),
 * so applying the same caches twice gives the same rules.
 */
import { isIPv4 } from 'node:net';
import type { Endpoints, Service } from '@mk8s/api';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface EndpointAddr {
  ip: string;
  port: number;
}

export interface ServicePortState {
  /** `namespace/name:portName`, or `namespace/name` for an unnamed port (Kubernetes' ServicePortName). */
  id: string;
  namespace: string;
  name: string;
  portName: string;
  protocol: Protocol;
  /** Undefined for headless or ExternalName Services. */
  clusterIP?: string;
  port: number;
  nodePort?: number;
  /** `status.loadBalancer.ingress[].ip` of a LoadBalancer Service: served on `port` like the ClusterIP. */
  loadBalancerIPs?: string[];
  /** ClientIP affinity timeout in seconds, when `sessionAffinity: ClientIP`. */
  affinitySeconds?: number;
  /** Ready endpoints only, sorted by ip then port. */
  endpoints: EndpointAddr[];
  /** Endpoints known but not ready (they get no traffic). */
  notReady: number;
}

function ipv4Sortable(ip: string): string {
  return ip
    .split('.')
    .map((p) => p.padStart(3, '0'))
    .join('.');
}

/**
 * Joins Services with their Endpoints. A Service port matches the Endpoints
 * ports of the same name (Kubernetes' rule); `publishNotReadyAddresses`
 * makes not-ready addresses count as ready, as the endpoints controller does.
 */
export function buildProxyState(services: readonly Service[], endpoints: readonly Endpoints[]): ServicePortState[] {
  const epByKey = new Map<string, Endpoints>();
  for (const ep of endpoints) epByKey.set(`${ep.metadata?.namespace ?? ''}/${ep.metadata?.name ?? ''}`, ep);
  const out: ServicePortState[] = [];
  for (const svc of services) {
    const spec = svc.spec ?? {};
    const type = spec.type ?? 'ClusterIP';
    if (type === 'ExternalName') continue;
    const namespace = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const clusterIP = spec.clusterIPs?.[0] ?? spec.clusterIP;
    const hasIP = clusterIP !== undefined && clusterIP !== '' && clusterIP !== 'None';
    const ep = epByKey.get(`${namespace}/${name}`);
    for (const p of spec.ports ?? []) {
      const portName = p.name ?? '';
      const protocol = (p.protocol ?? 'TCP') as Protocol;
      const nodePort = typeof p.nodePort === 'number' && p.nodePort > 0 && (type === 'NodePort' || type === 'LoadBalancer') ? p.nodePort : undefined;
      const lbIPs = type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => ip !== '') : [];
      if (!hasIP && nodePort === undefined && lbIPs.length === 0) continue;
      const ready: EndpointAddr[] = [];
      let notReady = 0;
      for (const subset of ep?.subsets ?? []) {
        const epPort = (subset.ports ?? []).find((x) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === protocol);
        if (!epPort) continue;
        // The proxiers program IPv4 only: an IPv6 endpoint (valid in the API) must not reach iptables-restore,
        // where one bad line would fail the sync of every Service.
        for (const a of subset.addresses ?? []) if (isIPv4(a.ip)) ready.push({ ip: a.ip, port: epPort.port });
        for (const a of subset.notReadyAddresses ?? []) {
          if (!isIPv4(a.ip)) continue;
          if (spec.publishNotReadyAddresses) ready.push({ ip: a.ip, port: epPort.port });
          else notReady++;
        }
      }
      ready.sort((a, b) => ipv4Sortable(a.ip).localeCompare(ipv4Sortable(b.ip)) || a.port - b.port);
      const unique = ready.filter((e, i) => i === 0 || e.ip !== ready[i - 1]!.ip || e.port !== ready[i - 1]!.port);
      out.push({
        id: portName === '' ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`,
        namespace,
        name,
        portName,
        protocol,
        ...(hasIP ? { clusterIP } : {}),
        port: p.port,
        ...(nodePort !== undefined ? { nodePort } : {}),
        ...(lbIPs.length > 0 ? { loadBalancerIPs: [...new Set(lbIPs)].sort() } : {}),
        ...(spec.sessionAffinity === 'ClientIP' ? { affinitySeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 } : {}),
        endpoints: unique,
        notReady,
      });
    }
  }
  out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.protocol.localeCompare(b.protocol)));
  return out;
}
