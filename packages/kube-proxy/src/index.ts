/**
 * @mk8s/kube-proxy: turns Services and Endpoints into forwarding, load
 * balanced over ready endpoints only (Kubernetes' kube-proxy).
 *
 * @example
 * ```ts
 * import { ExecIptables, IptablesProxier, KubeProxy, LinuxHostNetwork } from '@mk8s/kube-proxy';
 * const proxier = new IptablesProxier({ iptables: new ExecIptables(), host: new LinuxHostNetwork(), serviceCIDR: '10.96.0.0/16' });
 * const proxy = new KubeProxy({ client, proxier });
 * await proxy.run(signal); // syncs rules on every Service/Endpoints change
 * ```
 *
 * Modes: `IptablesProxier` (nat-table MK8S- chains, atomic iptables-restore;
 * needs root) and `UserspaceProxier` (Node.js TCP proxy on NodePorts; no root).
 */
export { KubeProxy, type KubeProxyOptions } from './kube-proxy.js';
export { buildProxyState, type EndpointAddr, type Protocol, type ServicePortState } from './proxy-state.js';
export type { Proxier, SyncResult } from './proxier.js';
export { SyncRunner, type SyncRunnerOptions } from './sync-runner.js';
export { ExecIptables, FakeIptables, IptablesError, type Iptables, type Table } from './iptables/iptables.js';
export { IptablesProxier, cleanupIptables, type IptablesProxierOptions } from './iptables/proxier.js';
export {
  BASE_CHAINS,
  FIREWALL_CHAIN,
  FIREWALL_RULE,
  JUMPS,
  buildCleanup,
  buildRules,
  endpointChain,
  serviceChain,
  type GeneratedRules,
} from './iptables/rules.js';
export { FakeHostNetwork, LinuxHostNetwork, ROUTE_LOCALNET_SAVED, SERVICE_BRIDGE, type HostNetwork, type LinuxHostNetworkOptions } from './host-network.js';
export { UserspaceProxier, type UserspaceProxierOptions } from './userspace/proxier.js';
export { RoundRobin } from './userspace/load-balancer.js';
