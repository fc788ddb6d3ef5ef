/**
 * @mk8s/kube-proxy: turns Services and Endpoints into forwarding, load
 * balanced over ready endpoints only (Kubernetes' kube-proxy).
 *
 * @example
 * ```ts
 * import { ExecIptables, IptablesProxier, KubeProxy, LinuxHostNetwork, cleanupIptables, serviceBridgeName } from '@mk8s/kube-proxy';
 * const clusterName = 'kubernetes'; // scopes chains and bridge: MK8S-SSV4-*, mk8s-svc-ssv4
 * const host = new LinuxHostNetwork({ bridge: serviceBridgeName(clusterName) });
 * const proxier = new IptablesProxier({ iptables: new ExecIptables(), host, serviceCIDR: '10.96.0.0/16', clusterName });
 * const proxy = new KubeProxy({ client, proxier });
 * await proxy.run(signal); // syncs rules on every Service/Endpoints change
 * // kube-proxy --cleanup: removes this cluster's chains, jumps and bridge only
 * await cleanupIptables(new ExecIptables(), host, clusterName);
 * ```
 *
 * Modes: `IptablesProxier` (nat-table `MK8S-<TAG>-` chains, TAG from the
 * cluster name; atomic iptables-restore; needs root) and `UserspaceProxier`
 * (Node.js TCP proxy on NodePorts; no root).
 */
export { KubeProxy, type KubeProxyOptions } from './kube-proxy.js';
export { buildProxyState, type EndpointAddr, type Protocol, type ServicePortState } from './proxy-state.js';
export type { Proxier, SyncResult } from './proxier.js';
export { SyncRunner, type SyncRunnerOptions } from './sync-runner.js';
export { ExecIptables, FakeIptables, IptablesError, type Iptables, type Table } from './iptables/iptables.js';
export { IptablesProxier, cleanupIptables, type IptablesCleanupResult, type IptablesProxierOptions } from './iptables/proxier.js';
export {
  FIREWALL_RULE,
  MAX_CHAIN_NAME,
  baseChains,
  buildCleanup,
  buildRules,
  chainNames,
  jumps,
  otherFirewalls,
  type ChainNames,
  type GeneratedRules,
  type Jump,
} from './iptables/rules.js';
export { DEFAULT_CLUSTER_NAME, clusterTag, serviceBridgeName } from './cluster-name.js';
export {
  FakeHostNetwork,
  FakeMachine,
  LinuxHostNetwork,
  ROUTE_LOCALNET_SAVED,
  type FakeHostNetworkOptions,
  type HostNetwork,
  type LinuxHostNetworkOptions,
} from './host-network.js';
export { UserspaceProxier, type UserspaceProxierOptions } from './userspace/proxier.js';
export { RoundRobin } from './userspace/load-balancer.js';
